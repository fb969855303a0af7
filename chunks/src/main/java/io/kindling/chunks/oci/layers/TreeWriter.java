package io.kindling.chunks.oci.layers;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.kindling.chunks.EntryPaths;
import io.kindling.chunks.FileTrees;
import io.kindling.chunks.InvalidPackageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Applies one layer's tar entries after another onto a directory, with the OCI image spec's
 * changeset semantics. One per flatten; runs on the caller's thread; not thread-safe.
 *
 * <p>Nothing is ever written through a link: every parent of an entry is checked, component by
 * component with {@code lstat}, to be a real directory of the tree (or created as one), files are
 * created with {@code CREATE_NEW} and {@code NOFOLLOW_LINKS} after whatever was at their path is
 * removed, and symbolic links are created with their target verbatim and never resolved. The tree is
 * the flattener's own, so nothing changes it between a check and the write that relies on it.
 *
 * <p>Whiteouts and opaque markers hide only what lower layers put there: the paths this layer wrote
 * are remembered (with their parents) until the layer ends, so a marker that comes after its
 * siblings in the tar leaves them alone, whichever order the layer's tool wrote.
 */
final class TreeWriter {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    /** Other {@code .wh..wh.} names are aufs's bookkeeping (the spec reserves them): skipped, as containerd does. */
    private static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    private static final int DEFAULT_DIRECTORY_MODE = 0755;
    private static final long MAX_ID = 0xFFFF_FFFEL; // (uid_t) -1 means "leave unchanged" to chown

    private final Path root;
    /** Paths (relative, '/'-joined) this layer wrote or created a parent for; cleared per layer. */
    private final Set<String> writtenThisLayer = new HashSet<>();
    /** Directory modes, applied once every layer is in, so a read-only directory never blocks its contents. */
    private final Map<String, Integer> directoryModes = new HashMap<>();
    /** The last parent found to be real directories all the way down; forgotten whenever anything is deleted. */
    private String verifiedParent;
    private int layer;

    private long files;
    private long directories;
    private long symlinks;
    private long hardlinks;
    private long whiteouts;
    private long opaqueDirectories;
    private long skipped;
    private final List<String> skippedNotes = new ArrayList<>();
    private long bytesWritten;

    TreeWriter(Path root) {
        this.root = root;
        directoryModes.put("", DEFAULT_DIRECTORY_MODE);
    }

    void beginLayer(int number) {
        layer = number;
        writtenThisLayer.clear();
        verifiedParent = null;
    }

    /** Applies one entry; {@code content} is the tar stream positioned at the entry's data. */
    void apply(TarArchiveEntry entry, InputStream content) throws LayerRejected, IOException {
        String name = entry.getName();
        List<String> segments = segments(name);
        if (segments.isEmpty()) {
            if (!entry.isDirectory()) {
                throw LayerRejected.unsafePath(layer, name, "it names the image's root but is not a directory");
            }
            applyOwner(root, entry);
            directoryModes.put("", mode(entry));
            directories++;
            return;
        }
        String base = segments.getLast();
        List<String> parent = segments.subList(0, segments.size() - 1);
        if (base.equals(OPAQUE_MARKER)) {
            opaque(parent);
        } else if (base.startsWith(WHITEOUT_META_PREFIX)) {
            skip(name, "aufs whiteout metadata");
        } else if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(name, parent, base.substring(WHITEOUT_PREFIX.length()));
        } else {
            write(entry, content, parent, base);
        }
    }

    /** Applies the directory modes and gives the account. */
    FlattenReport finish(long uncompressedBytes) throws IOException {
        for (Map.Entry<String, Integer> directory : directoryModes.entrySet()) {
            Path path = directory.getKey().isEmpty() ? root : root.resolve(directory.getKey());
            BasicFileAttributes attributes = lstat(path);
            if (attributes != null && attributes.isDirectory()) {
                Files.setAttribute(path, "unix:mode", directory.getValue(), NOFOLLOW_LINKS);
            }
        }
        return new FlattenReport(files, directories, symlinks, hardlinks, whiteouts, opaqueDirectories, skipped,
                skippedNotes, bytesWritten, uncompressedBytes);
    }

    private void write(TarArchiveEntry entry, InputStream content, List<String> parent, String base)
            throws LayerRejected, IOException {
        String name = entry.getName();
        Path directory = directoryFor(name, parent);
        String key = join(parent, base);
        Path path = directory.resolve(base);
        Path hardlinkTarget = null;
        if (entry.isLink()) {
            hardlinkTarget = hardlinkTarget(entry);
            if (hardlinkTarget.equals(path)) {
                return; // a link to itself: the file is already there, as it is
            }
            if (hardlinkTarget.startsWith(path)) {
                throw LayerRejected.badHardlink(layer, name, entry.getLinkName(), "is inside the directory it would replace");
            }
        } else if (entry.isSparse() || entry.getLinkFlag() == TarConstants.LF_GNUTYPE_SPARSE) {
            // Written out whole, a sparse file's holes would cost disk the byte budget never saw.
            throw LayerRejected.unsupportedEntry(layer, name, "sparse files are not supported in image layers");
        }
        BasicFileAttributes existing = lstat(path);
        boolean mergeDirectory = entry.isDirectory() && existing != null && existing.isDirectory();
        if (existing != null && !mergeDirectory) {
            delete(path, existing);
        }
        markWritten(key);
        if (entry.isDirectory()) {
            if (!mergeDirectory) {
                Files.createDirectory(path);
            }
            applyOwner(path, entry);
            directoryModes.put(key, mode(entry));
            directories++;
        } else if (hardlinkTarget != null) {
            // link(2) does not follow a symbolic link it is given: the new name shares the link itself.
            Files.createLink(path, hardlinkTarget);
            hardlinks++;
        } else if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(path, path.getFileSystem().getPath(symlinkTarget(entry)));
            applyOwner(path, entry);
            symlinks++;
        } else if (isRegularFile(entry)) {
            try (OutputStream out = Files.newOutputStream(path,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW_LINKS)) {
                bytesWritten += content.transferTo(out);
            }
            // Owner first: chown clears the setuid and setgid bits a mode may set.
            applyOwner(path, entry);
            Files.setAttribute(path, "unix:mode", mode(entry), NOFOLLOW_LINKS);
            files++;
        } else {
            // What was below stays hidden: the layer replaced it by something the image cannot hold.
            skip(name, kind(entry) + " skipped: images hold no device nodes, fifos or sockets");
        }
    }

    /** {@code .wh.NAME}: NAME of the lower layers is gone. */
    private void whiteout(String name, List<String> parent, String hidden) throws LayerRejected, IOException {
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw LayerRejected.unsafePath(layer, name, "a whiteout must name an entry of its directory");
        }
        whiteouts++;
        Path directory = existingDirectory(parent);
        if (directory == null) {
            return;
        }
        String key = join(parent, hidden);
        Path path = directory.resolve(hidden);
        BasicFileAttributes existing = lstat(path);
        if (existing == null) {
            return;
        }
        if (!writtenThisLayer.contains(key)) {
            delete(path, existing);
        } else if (existing.isDirectory()) {
            // This layer wrote below it already: what the lower layers had there goes, this layer's stays.
            hideLowerContents(path, key);
        }
    }

    /** {@code .wh..wh..opq}: the directory holds only what this layer (and those above) put in it. */
    private void opaque(List<String> parent) throws IOException {
        opaqueDirectories++;
        Path directory = existingDirectory(parent);
        if (directory != null) {
            hideLowerContents(directory, String.join("/", parent));
        }
    }

    private void hideLowerContents(Path directory, String key) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory)) {
            listing.forEach(children::add);
        }
        for (Path child : children) {
            String childKey = key.isEmpty() ? child.getFileName().toString() : key + "/" + child.getFileName();
            BasicFileAttributes attributes = lstat(child);
            if (attributes == null) {
                continue;
            }
            if (!writtenThisLayer.contains(childKey)) {
                delete(child, attributes);
            } else if (attributes.isDirectory()) {
                hideLowerContents(child, childKey);
            }
        }
    }

    /**
     * The entry's parent directory, every missing component created (0755, root's), every existing one
     * checked to be a real directory and not a link to one.
     */
    private Path directoryFor(String name, List<String> parent) throws LayerRejected, IOException {
        String key = String.join("/", parent);
        Path directory = root;
        if (key.equals(verifiedParent)) {
            return parent.isEmpty() ? root : root.resolve(key);
        }
        StringBuilder walked = new StringBuilder();
        for (String segment : parent) {
            if (!walked.isEmpty()) {
                walked.append('/');
            }
            walked.append(segment);
            directory = directory.resolve(segment);
            BasicFileAttributes attributes = lstat(directory);
            if (attributes == null) {
                Files.createDirectory(directory);
                Files.setAttribute(directory, "unix:uid", 0, NOFOLLOW_LINKS);
                Files.setAttribute(directory, "unix:gid", 0, NOFOLLOW_LINKS);
                directoryModes.put(walked.toString(), DEFAULT_DIRECTORY_MODE);
                markWritten(walked.toString());
            } else if (!attributes.isDirectory()) {
                throw LayerRejected.underNonDirectory(layer, name, walked.toString(),
                        attributes.isSymbolicLink() ? "symbolic link" : "file");
            }
        }
        verifiedParent = key;
        return directory;
    }

    /** The directory if it exists and is real all the way down; null otherwise (then nothing below it exists). */
    private Path existingDirectory(List<String> segments) throws IOException {
        Path directory = root;
        for (String segment : segments) {
            directory = directory.resolve(segment);
            BasicFileAttributes attributes = lstat(directory);
            if (attributes == null || !attributes.isDirectory()) {
                return null;
            }
        }
        return directory;
    }

    /** A hard link's target: a path of the tree (archive-relative, as tar names it) that exists and is no directory. */
    private Path hardlinkTarget(TarArchiveEntry entry) throws LayerRejected, IOException {
        String target = entry.getLinkName();
        List<String> segments;
        try {
            segments = EntryPaths.posixSegments(target);
        } catch (EntryPaths.UnsafePathException e) {
            throw LayerRejected.badHardlink(layer, entry.getName(), target, "is not a path inside the image: " + e.reason());
        }
        if (segments.isEmpty()) {
            throw LayerRejected.badHardlink(layer, entry.getName(), target, "is the image's root directory");
        }
        Path directory = existingDirectory(segments.subList(0, segments.size() - 1));
        Path path = directory == null ? null : directory.resolve(segments.getLast());
        BasicFileAttributes attributes = path == null ? null : lstat(path);
        if (attributes == null) {
            throw LayerRejected.badHardlink(layer, entry.getName(), target, "is not in this or a lower layer");
        }
        if (attributes.isDirectory()) {
            throw LayerRejected.badHardlink(layer, entry.getName(), target, "is a directory");
        }
        return path;
    }

    private String symlinkTarget(TarArchiveEntry entry) throws LayerRejected {
        String target = entry.getLinkName();
        if (target.isEmpty() || target.indexOf('\0') >= 0
                || target.getBytes(StandardCharsets.UTF_8).length > EntryPaths.MAX_PATH_BYTES) {
            throw LayerRejected.unsafePath(layer, entry.getName(), "its link target is empty, holds NUL or is too long");
        }
        // Kept verbatim, absolute or not: it is resolved inside the image's root when the image runs,
        // and never here.
        return target;
    }

    private List<String> segments(String name) throws LayerRejected {
        try {
            return EntryPaths.posixSegments(name);
        } catch (EntryPaths.UnsafePathException e) {
            throw LayerRejected.unsafePath(layer, name, e.reason());
        }
    }

    private void applyOwner(Path path, TarArchiveEntry entry) throws LayerRejected, IOException {
        long uid = entry.getLongUserId();
        long gid = entry.getLongGroupId();
        if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
            throw LayerRejected.unsupportedEntry(layer, entry.getName(), "its owner " + uid + ":" + gid + " is not a valid uid:gid");
        }
        // The unix view with NOFOLLOW_LINKS is lchown: a link gets the owner, never what it points to.
        Files.setAttribute(path, "unix:uid", (int) uid, NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", (int) gid, NOFOLLOW_LINKS);
    }

    private void delete(Path path, BasicFileAttributes attributes) throws IOException {
        verifiedParent = null;
        if (attributes.isDirectory()) {
            FileTrees.deleteRecursively(path);
        } else {
            Files.delete(path);
        }
    }

    private void markWritten(String key) {
        String path = key;
        while (writtenThisLayer.add(path)) {
            int slash = path.lastIndexOf('/');
            if (slash < 0) {
                return;
            }
            path = path.substring(0, slash);
        }
    }

    private void skip(String name, String why) {
        skipped++;
        if (skippedNotes.size() < FlattenReport.MAX_NOTES) {
            skippedNotes.add("layer " + layer + ": " + InvalidPackageException.quote(name) + ": " + why);
        }
    }

    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private static String kind(TarArchiveEntry entry) {
        if (entry.isCharacterDevice()) {
            return "character device";
        }
        if (entry.isBlockDevice()) {
            return "block device";
        }
        if (entry.isFIFO()) {
            return "fifo";
        }
        return "tar entry of type '" + (char) entry.getLinkFlag() + "'";
    }

    /** Permission bits with setuid, setgid and sticky: an image's {@code su} stays setuid. */
    private static int mode(TarArchiveEntry entry) {
        return entry.getMode() & 07777;
    }

    private static String join(List<String> parent, String base) {
        return parent.isEmpty() ? base : String.join("/", parent) + "/" + base;
    }

    private static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
