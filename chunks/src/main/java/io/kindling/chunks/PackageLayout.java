package io.kindling.chunks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.archivers.zip.ZipMethod;

/**
 * The validated tree a package would unpack to, built from the central directory plus the (small,
 * bounded) symbolic link targets. Everything that decides whether extraction is safe is decided here,
 * once, for both the inspector and the unpacker: every path is a plain relative path, each path is
 * exactly one thing, nothing lives under a file or a link, and every link resolves inside the package
 * both lexically and when following the package's other links the way the kernel will.
 * File contents are not read here; {@link EntryContent} verifies them as they stream.
 */
final class PackageLayout {

    enum Kind { DIRECTORY, FILE, SYMLINK }

    /** A permission value meaning "the zip carries no unix mode for this entry". */
    static final int NO_PERMISSIONS = -1;

    static final int MAX_LINK_TARGET_BYTES = 4096;

    /** Linux's MAXSYMLINKS: a chain longer than this fails with ELOOP at runtime anyway. */
    private static final int MAX_LINK_HOPS = 40;

    /** Bounds the work a package of many long, chained links can make the resolver do. */
    private static final long MAX_RESOLUTION_STEPS = 10_000_000L;

    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFSOCK = 0140000;

    /** One path in the package: an entry's, or a directory implied by entries below it. */
    static final class Node {
        private final Node parent;
        private final String name;
        private final Map<String, Node> children = new LinkedHashMap<>();
        private Kind kind;
        private ZipArchiveEntry entry;
        private int permissions = NO_PERMISSIONS;
        private String linkTarget;

        private Node(Node parent, String name, Kind kind) {
            this.parent = parent;
            this.name = name;
            this.kind = kind;
        }

        Kind kind() {
            return kind;
        }

        /** The zip entry this path came from, or null for an implied directory. */
        ZipArchiveEntry entry() {
            return entry;
        }

        /** The entry's unix permission bits, or {@link #NO_PERMISSIONS}. */
        int permissions() {
            return permissions;
        }

        String linkTarget() {
            return linkTarget;
        }

        /** The path below {@code root}, built segment by segment so no string is ever parsed. */
        Path resolveUnder(Path root) {
            Deque<String> names = new ArrayDeque<>();
            for (Node n = this; n.parent != null; n = n.parent) {
                names.addFirst(n.name);
            }
            Path path = root;
            for (String segment : names) {
                path = path.resolve(segment);
            }
            return path;
        }

        String path() {
            Deque<String> names = new ArrayDeque<>();
            for (Node n = this; n.parent != null; n = n.parent) {
                names.addFirst(n.name);
            }
            return String.join("/", names);
        }

        private String displayName() {
            return entry != null ? entry.getName() : path();
        }
    }

    /** Where resolution ends up below a path the package doesn't contain; it has no children. */
    private static final Node MISSING = new Node(null, "", Kind.DIRECTORY);

    private final Node root = new Node(null, "", Kind.DIRECTORY);
    private final List<Node> files = new ArrayList<>();
    private final List<Node> links = new ArrayList<>();
    private final List<ZipArchiveEntry> nonLinkEntries = new ArrayList<>();
    private final int entryCount;
    private long resolutionSteps;

    private PackageLayout(int entryCount) {
        this.entryCount = entryCount;
    }

    /**
     * Validates everything about {@code zip} except file contents. Link targets are read here and
     * charged to {@code budget}.
     */
    static PackageLayout read(ZipFile zip, PackageLimits limits, UnzipBudget budget)
            throws InvalidPackageException, IOException {
        // Physical order keeps reads sequential and makes the overlap check a single sweep.
        List<ZipArchiveEntry> entries = Collections.list(zip.getEntriesInPhysicalOrder());
        if (entries.size() > limits.maxEntries()) {
            throw InvalidPackageException.tooManyEntries(entries.size(), limits.maxEntries());
        }
        PackageLayout layout = new PackageLayout(entries.size());
        long declaredTotal = 0;
        for (ZipArchiveEntry entry : entries) {
            String name = entry.getName();
            List<String> segments = EntryPaths.normalise(name);
            Kind kind = kindOf(entry);
            requireReadable(zip, entry);
            if (entry.getSize() < 0 || entry.getCompressedSize() < 0) {
                throw InvalidPackageException.corruptEntry(name, "the zip file does not record its size", null);
            }
            if (kind == Kind.DIRECTORY && entry.getSize() != 0) {
                throw InvalidPackageException.corruptEntry(name, "it is a directory but has content", null);
            }
            if (kind == Kind.SYMLINK && entry.getSize() > MAX_LINK_TARGET_BYTES) {
                throw InvalidPackageException.unsupportedEntry(name,
                        "its symbolic link target is longer than " + MAX_LINK_TARGET_BYTES + " bytes");
            }
            // Declared sizes are only claims, but EntryContent holds every entry to its claim, so their
            // sum lets an honest oversized package be refused before anything is inflated.
            declaredTotal = saturatedAdd(declaredTotal, entry.getSize());
            if (declaredTotal > limits.maxUnzippedBytes()) {
                throw InvalidPackageException.unzippedTooLarge(limits.maxUnzippedBytes());
            }
            layout.add(entry, segments, kind);
        }
        requireNoOverlap(zip, entries);
        for (Node link : layout.links) {
            link.linkTarget = readLinkTarget(zip, link.entry, budget);
        }
        for (Node link : layout.links) {
            layout.requireInside(link);
        }
        return layout;
    }

    int entryCount() {
        return entryCount;
    }

    /** Regular files, in the zip's physical order. */
    List<Node> files() {
        return Collections.unmodifiableList(files);
    }

    /** Symbolic links, with their targets already read and verified to stay inside. */
    List<Node> links() {
        return Collections.unmodifiableList(links);
    }

    /** Every directory below the root, explicit or implied, each after its parent. */
    List<Node> directories() {
        List<Node> directories = new ArrayList<>();
        Deque<Node> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Node node = pending.pop();
            if (node != root) {
                directories.add(node);
            }
            for (Node child : node.children.values()) {
                if (child.kind == Kind.DIRECTORY) {
                    pending.push(child);
                }
            }
        }
        return directories;
    }

    /** Entries whose data has not been read yet: everything but links. */
    List<ZipArchiveEntry> nonLinkEntries() {
        return Collections.unmodifiableList(nonLinkEntries);
    }

    private void add(ZipArchiveEntry entry, List<String> segments, Kind kind) throws InvalidPackageException {
        String name = entry.getName();
        if (kind != Kind.SYMLINK) {
            nonLinkEntries.add(entry);
        }
        if (segments.isEmpty()) {
            // "./" and the like: the package root itself, which always exists.
            if (kind != Kind.DIRECTORY) {
                throw InvalidPackageException.unsafePath(name, "it does not name a file inside the package");
            }
            return;
        }
        Node directory = root;
        for (String segment : segments.subList(0, segments.size() - 1)) {
            Node next = directory.children.get(segment);
            if (next == null) {
                next = new Node(directory, segment, Kind.DIRECTORY);
                directory.children.put(segment, next);
            } else if (next.kind != Kind.DIRECTORY) {
                throw InvalidPackageException.entryInsideNonDirectory(name, next.displayName(), describe(next.kind));
            }
            directory = next;
        }
        String last = segments.getLast();
        Node existing = directory.children.get(last);
        if (existing == null) {
            Node node = new Node(directory, last, kind);
            directory.children.put(last, node);
            claim(node, entry);
            return;
        }
        if (existing.kind == Kind.DIRECTORY && kind == Kind.DIRECTORY) {
            // The same directory listed twice, or listed after its contents, is unambiguous; the first
            // explicit entry's mode wins.
            if (existing.entry == null) {
                claim(existing, entry);
            }
            return;
        }
        if (existing.kind == Kind.DIRECTORY && existing.entry == null) {
            Node inside = existing;
            while (inside.entry == null) {
                inside = inside.children.values().iterator().next();
            }
            throw InvalidPackageException.entryInsideNonDirectory(inside.entry.getName(), name, describe(kind));
        }
        throw InvalidPackageException.duplicateEntry(name);
    }

    private void claim(Node node, ZipArchiveEntry entry) {
        node.entry = entry;
        int mode = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() : 0;
        node.permissions = mode == 0 ? NO_PERMISSIONS : mode & 0777;
        switch (node.kind) {
            case FILE -> files.add(node);
            case SYMLINK -> links.add(node);
            case DIRECTORY -> { }
        }
    }

    private static Kind kindOf(ZipArchiveEntry entry) throws InvalidPackageException {
        String name = entry.getName();
        boolean namedLikeDirectory = name.endsWith("/");
        int type = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() & S_IFMT : 0;
        return switch (type) {
            // Some tools record no type, or mark directories as regular files: the name decides.
            case 0, S_IFREG -> namedLikeDirectory ? Kind.DIRECTORY : Kind.FILE;
            case S_IFDIR -> Kind.DIRECTORY;
            case S_IFLNK -> {
                if (namedLikeDirectory) {
                    throw InvalidPackageException.unsupportedEntry(name,
                            "it is marked as a symbolic link but named like a directory");
                }
                yield Kind.SYMLINK;
            }
            case S_IFCHR -> throw InvalidPackageException.unsupportedEntry(name, "it is a character device");
            case S_IFBLK -> throw InvalidPackageException.unsupportedEntry(name, "it is a block device");
            case S_IFIFO -> throw InvalidPackageException.unsupportedEntry(name, "it is a named pipe");
            case S_IFSOCK -> throw InvalidPackageException.unsupportedEntry(name, "it is a socket");
            default -> throw InvalidPackageException.unsupportedEntry(name, "its file type is unknown");
        };
    }

    private static void requireReadable(ZipFile zip, ZipArchiveEntry entry) throws InvalidPackageException {
        if (entry.getGeneralPurposeBit().usesEncryption() || entry.getGeneralPurposeBit().usesStrongEncryption()) {
            throw InvalidPackageException.unsupportedEntry(entry.getName(), "it is encrypted");
        }
        // Deflate is what every zip tool writes; deflate64 is what Windows Explorer writes for big files.
        ZipMethod method = ZipMethod.getMethodByCode(entry.getMethod());
        boolean supported = method == ZipMethod.STORED || method == ZipMethod.DEFLATED
                || method == ZipMethod.ENHANCED_DEFLATED;
        if (!supported || !zip.canReadEntryData(entry)) {
            throw InvalidPackageException.unsupportedEntry(entry.getName(),
                    "it uses compression method " + (method != null ? method : entry.getMethod())
                            + "; only stored and deflated entries are supported");
        }
    }

    /**
     * Entries whose data regions overlap only exist to multiply one compressed stream into many
     * ("better zip bombs"); no zip tool writes them. The byte budget would stop such a bomb too, but this
     * refuses it without inflating anything.
     */
    private static void requireNoOverlap(ZipFile zip, List<ZipArchiveEntry> inPhysicalOrder)
            throws InvalidPackageException, IOException {
        ZipArchiveEntry previous = null;
        long previousEnd = 0;
        for (ZipArchiveEntry entry : inPhysicalOrder) {
            if (previous != null && entry.getLocalHeaderOffset() < previousEnd) {
                throw InvalidPackageException.corruptEntry(entry.getName(),
                        "its data overlaps the data of entry " + InvalidPackageException.quote(previous.getName()),
                        null);
            }
            long dataOffset = dataOffset(zip, entry);
            if (dataOffset < entry.getLocalHeaderOffset() || dataOffset > Long.MAX_VALUE - entry.getCompressedSize()) {
                throw InvalidPackageException.corruptEntry(entry.getName(), "its data lies outside the zip file", null);
            }
            previous = entry;
            previousEnd = dataOffset + entry.getCompressedSize();
        }
    }

    private static long dataOffset(ZipFile zip, ZipArchiveEntry entry) throws InvalidPackageException, IOException {
        // Opening the raw stream makes the parser read the local header and record where data starts.
        try (InputStream ignored = zip.getRawInputStream(entry)) {
            long offset = entry.getDataOffset();
            if (ignored == null || offset < 0) {
                throw InvalidPackageException.corruptEntry(entry.getName(), "its local header cannot be read", null);
            }
            return offset;
        } catch (InterruptedIOException | ClosedChannelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw InvalidPackageException.corruptEntry(entry.getName(), "its local header cannot be read", e);
        }
    }

    private static String readLinkTarget(ZipFile zip, ZipArchiveEntry entry, UnzipBudget budget)
            throws InvalidPackageException, IOException {
        // The declared size was capped above and EntryContent stops past it, so this stays small.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EntryContent.copy(zip, entry, budget, bytes);
        String name = entry.getName();
        String target;
        try {
            target = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw InvalidPackageException.unsupportedEntry(name, "its symbolic link target is not valid UTF-8");
        }
        if (target.isEmpty()) {
            throw InvalidPackageException.unsupportedEntry(name, "its symbolic link target is empty");
        }
        if (target.indexOf('\0') >= 0) {
            throw InvalidPackageException.unsupportedEntry(name, "its symbolic link target contains a NUL character");
        }
        if (EntryPaths.isAbsoluteOrForeign(target)) {
            throw InvalidPackageException.linkEscapes(name, target);
        }
        try {
            FileSystems.getDefault().getPath(target);
        } catch (InvalidPathException e) {
            throw InvalidPackageException.unsupportedEntry(name,
                    "its symbolic link target cannot be used as a file name on this server");
        }
        return target;
    }

    private void requireInside(Node link) throws InvalidPackageException {
        requireLexicallyInside(link);
        requireResolvesInside(link);
    }

    /** How tools that normalise paths without looking at the disk (Path.normalize, most archivers) see it. */
    private static void requireLexicallyInside(Node link) throws InvalidPackageException {
        int depth = 0;
        for (Node n = link.parent; n.parent != null; n = n.parent) {
            depth++;
        }
        for (String segment : link.linkTarget.split("/", -1)) {
            if (segment.equals("..")) {
                if (--depth < 0) {
                    throw InvalidPackageException.linkEscapes(link.entry.getName(), link.linkTarget);
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                depth++;
            }
        }
    }

    /**
     * How the kernel will see it: walk the target from the link's directory, expanding every link met
     * on the way with its own target, and ".." after a link applies to where the link led. Paths the
     * package doesn't contain are walked lexically; the function can't create them at runtime.
     */
    private void requireResolvesInside(Node link) throws InvalidPackageException {
        String name = link.entry.getName();
        List<Node> position = new ArrayList<>();
        for (Node n = link.parent; n != null; n = n.parent) {
            position.addFirst(n);
        }
        Deque<String> pending = new ArrayDeque<>();
        pushSegments(pending, link.linkTarget);
        int hops = 0;
        while (!pending.isEmpty()) {
            if (++resolutionSteps > MAX_RESOLUTION_STEPS) {
                throw InvalidPackageException.unsupportedEntry(name, "the package's symbolic links are too complex to verify");
            }
            String segment = pending.removeFirst();
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (position.size() == 1) {
                    throw InvalidPackageException.linkEscapes(name, link.linkTarget);
                }
                position.removeLast();
                continue;
            }
            Node next = position.getLast().children.getOrDefault(segment, MISSING);
            if (next.kind == Kind.SYMLINK) {
                if (++hops > MAX_LINK_HOPS) {
                    throw InvalidPackageException.unsupportedEntry(name,
                            "its symbolic link target goes through more than " + MAX_LINK_HOPS + " links (a loop?)");
                }
                if (EntryPaths.isAbsoluteOrForeign(next.linkTarget)) {
                    throw InvalidPackageException.linkEscapes(name, link.linkTarget);
                }
                pushSegments(pending, next.linkTarget);
                continue;
            }
            position.add(next);
        }
    }

    private static void pushSegments(Deque<String> pending, String target) {
        String[] segments = target.split("/", -1);
        for (int i = segments.length - 1; i >= 0; i--) {
            pending.addFirst(segments[i]);
        }
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case FILE -> "file";
            case SYMLINK -> "symbolic link";
            case DIRECTORY -> "directory";
        };
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
