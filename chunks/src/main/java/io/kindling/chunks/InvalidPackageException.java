package io.kindling.chunks;

import java.util.Objects;

/**
 * An uploaded code package was rejected. The message is written for the person who uploaded it (the API
 * returns it as an {@code InvalidParameterValueException}); {@link #problem()} is for code that needs
 * to tell the cases apart.
 */
public final class InvalidPackageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Entry names come from the uploader; cap how much of one we echo back. */
    private static final int MAX_NAME_IN_MESSAGE = 200;

    /** What is wrong with the package. */
    public enum Problem {
        NOT_A_ZIP,
        ZIPPED_TOO_LARGE,
        UNZIPPED_TOO_LARGE,
        TOO_MANY_ENTRIES,
        UNSAFE_PATH,
        LINK_ESCAPES_PACKAGE,
        UNSUPPORTED_ENTRY,
        DUPLICATE_ENTRY,
        CORRUPT_ENTRY
    }

    private final Problem problem;

    private InvalidPackageException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }

    static InvalidPackageException notAZip(Throwable cause) {
        return new InvalidPackageException(Problem.NOT_A_ZIP,
                "Could not unzip uploaded file. Please check your file, then try to upload again.", cause);
    }

    static InvalidPackageException zippedTooLarge(long limit) {
        return new InvalidPackageException(Problem.ZIPPED_TOO_LARGE,
                "Zipped size must be smaller than " + limit + " bytes", null);
    }

    static InvalidPackageException unzippedTooLarge(long limit) {
        return new InvalidPackageException(Problem.UNZIPPED_TOO_LARGE,
                "Unzipped size must be smaller than " + limit + " bytes", null);
    }

    static InvalidPackageException tooManyEntries(long entries, int limit) {
        return new InvalidPackageException(Problem.TOO_MANY_ENTRIES,
                "The zip file contains " + entries + " entries; at most " + limit + " are allowed.", null);
    }

    static InvalidPackageException unsafePath(String entryName, String reason) {
        return new InvalidPackageException(Problem.UNSAFE_PATH,
                "The zip file contains an entry with an unsafe path " + quote(entryName) + ": " + reason
                        + ". Entry paths must be relative paths inside the package.", null);
    }

    static InvalidPackageException linkEscapes(String entryName, String target) {
        return new InvalidPackageException(Problem.LINK_ESCAPES_PACKAGE,
                "The symbolic link " + quote(entryName) + " points to " + quote(target)
                        + ", which is outside the package. Symbolic links must point to a relative path inside the package.",
                null);
    }

    static InvalidPackageException unsupportedEntry(String entryName, String reason) {
        return new InvalidPackageException(Problem.UNSUPPORTED_ENTRY,
                "The zip file entry " + quote(entryName) + " is not supported: " + reason + ".", null);
    }

    static InvalidPackageException duplicateEntry(String entryName) {
        return new InvalidPackageException(Problem.DUPLICATE_ENTRY,
                "The zip file contains the path " + quote(entryName) + " more than once.", null);
    }

    static InvalidPackageException entryInsideNonDirectory(String entryName, String parent, String parentKind) {
        return new InvalidPackageException(Problem.DUPLICATE_ENTRY,
                "The zip file entry " + quote(entryName) + " is inside " + quote(parent) + ", which is a "
                        + parentKind + " in the same package.", null);
    }

    static InvalidPackageException corruptEntry(String entryName, String reason, Throwable cause) {
        return new InvalidPackageException(Problem.CORRUPT_ENTRY,
                "The zip file entry " + quote(entryName) + " is corrupt: " + reason
                        + ". Please check your file, then try to upload again.", cause);
    }

    /**
     * Names are attacker-chosen bytes: escape control characters so a message can't forge log lines or
     * terminal escapes, and truncate absurdly long ones. Used for every archive's entry names (zips,
     * OCI layers).
     */
    public static String quote(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), MAX_NAME_IN_MESSAGE) + 8).append('\'');
        int shown = 0;
        for (int i = 0; i < name.length(); i++) {
            if (shown == MAX_NAME_IN_MESSAGE) {
                out.append("...");
                break;
            }
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
            shown++;
        }
        return out.append('\'').toString();
    }
}
