package io.kindling.chunks;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns archive entry names (zip entries, OCI layer tar entries) and link targets into safe relative
 * path segments, or rejects them.
 */
public final class EntryPaths {

    /** Linux's PATH_MAX and NAME_MAX: longer names could never be extracted anyway. */
    public static final int MAX_PATH_BYTES = 4096;

    public static final int MAX_SEGMENT_BYTES = 255;

    /** An entry name that could reach outside the extraction root, or could not be a file name here. */
    public static final class UnsafePathException extends Exception {
        private static final long serialVersionUID = 1L;

        private UnsafePathException(String reason) {
            super(reason);
        }

        /** Why the name is refused, as the end of a sentence ("it contains a '..' segment"). */
        public String reason() {
            return getMessage();
        }
    }

    private EntryPaths() {}

    /**
     * The normalised segments of a zip entry name: empty and {@code .} segments dropped, everything
     * that could reach outside the extraction root rejected. An empty result names the package root.
     */
    static List<String> normalise(String name) throws InvalidPackageException {
        try {
            return segments(name, true);
        } catch (UnsafePathException e) {
            throw InvalidPackageException.unsafePath(name, e.reason());
        }
    }

    /**
     * The normalised segments of a POSIX archive entry name (a tar entry of an OCI layer): empty and
     * {@code .} segments dropped, absolute names, {@code ..} segments, NUL and names longer than Linux
     * allows refused. Unlike a zip's, a backslash or a leading "c:" is an ordinary character here:
     * Linux images hold such names (systemd's escaped unit names, {@code system-systemd\x2dfsck.slice}).
     * An empty result names the root.
     */
    public static List<String> posixSegments(String name) throws UnsafePathException {
        return segments(name, false);
    }

    private static List<String> segments(String name, boolean refuseWindowsSeparators) throws UnsafePathException {
        if (name.isEmpty()) {
            throw new UnsafePathException("the name is empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafePathException("it contains a NUL character");
        }
        if (isAbsolute(name)) {
            throw new UnsafePathException("it is an absolute path");
        }
        if (refuseWindowsSeparators && hasDriveLetter(name)) {
            throw new UnsafePathException("it starts with a drive letter");
        }
        // Windows tools treat '\' as a separator, so "..\x" means "../x" to them; no separator is
        // ambiguous if we refuse it outright.
        if (refuseWindowsSeparators && name.indexOf('\\') >= 0) {
            throw new UnsafePathException("it contains a backslash; use '/' to separate directories");
        }
        if (utf8Length(name) > MAX_PATH_BYTES) {
            throw new UnsafePathException("it is longer than " + MAX_PATH_BYTES + " bytes");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new UnsafePathException("it contains a '..' segment");
            }
            if (utf8Length(segment) > MAX_SEGMENT_BYTES) {
                throw new UnsafePathException("a file name in it is longer than " + MAX_SEGMENT_BYTES + " bytes");
            }
            segments.add(segment);
        }
        try {
            // Names the platform can't encode (e.g. non-ASCII under a C locale) would fail mid-extraction.
            FileSystems.getDefault().getPath(String.join("/", segments));
        } catch (InvalidPathException e) {
            throw new UnsafePathException("it cannot be used as a file name on this server");
        }
        return segments;
    }

    /** True for anything a link target must not be because it is not relative to the link's directory. */
    static boolean isAbsoluteOrForeign(String target) {
        return isAbsolute(target) || hasDriveLetter(target) || target.indexOf('\\') >= 0;
    }

    private static boolean isAbsolute(String name) {
        return name.startsWith("/");
    }

    private static boolean hasDriveLetter(String name) {
        return name.length() >= 2 && name.charAt(1) == ':' && isAsciiLetter(name.charAt(0));
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
