package io.kindling.chunks;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.List;

/** Turns zip entry names and link targets into safe relative path segments, or rejects them. */
final class EntryPaths {

    /** Linux's PATH_MAX and NAME_MAX: longer names could never be extracted anyway. */
    static final int MAX_PATH_BYTES = 4096;

    static final int MAX_SEGMENT_BYTES = 255;

    private EntryPaths() {}

    /**
     * The normalised segments of an entry name: empty and {@code .} segments dropped, everything that
     * could reach outside the extraction root rejected. An empty result names the package root.
     */
    static List<String> normalise(String name) throws InvalidPackageException {
        if (name.isEmpty()) {
            throw InvalidPackageException.unsafePath(name, "the name is empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw InvalidPackageException.unsafePath(name, "it contains a NUL character");
        }
        if (isAbsolute(name)) {
            throw InvalidPackageException.unsafePath(name, "it is an absolute path");
        }
        if (hasDriveLetter(name)) {
            throw InvalidPackageException.unsafePath(name, "it starts with a drive letter");
        }
        // Windows tools treat '\' as a separator, so "..\x" means "../x" to them; no separator is
        // ambiguous if we refuse it outright.
        if (name.indexOf('\\') >= 0) {
            throw InvalidPackageException.unsafePath(name, "it contains a backslash; use '/' to separate directories");
        }
        if (utf8Length(name) > MAX_PATH_BYTES) {
            throw InvalidPackageException.unsafePath(name, "it is longer than " + MAX_PATH_BYTES + " bytes");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw InvalidPackageException.unsafePath(name, "it contains a '..' segment");
            }
            if (utf8Length(segment) > MAX_SEGMENT_BYTES) {
                throw InvalidPackageException.unsafePath(name,
                        "a file name in it is longer than " + MAX_SEGMENT_BYTES + " bytes");
            }
            segments.add(segment);
        }
        try {
            // Names the platform can't encode (e.g. non-ASCII under a C locale) would fail mid-extraction.
            FileSystems.getDefault().getPath(String.join("/", segments));
        } catch (InvalidPathException e) {
            throw InvalidPackageException.unsafePath(name, "it cannot be used as a file name on this server");
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
