package io.kindling.frontend.auth;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The AWS shared-credentials format ({@code ~/.aws/credentials}): {@code [profile]} sections with
 * {@code aws_access_key_id} and {@code aws_secret_access_key}. Reading it lets an operator reuse a
 * file they already have; writing it lets a user point {@code AWS_SHARED_CREDENTIALS_FILE} at ours.
 */
final class SharedCredentialsFile {
    static final String ACCESS_KEY_ID = "aws_access_key_id";
    static final String SECRET_ACCESS_KEY = "aws_secret_access_key";

    private SharedCredentialsFile() {}

    /**
     * Access key id to secret, one per profile. Profiles with neither key (role or SSO profiles)
     * are skipped; a profile with only one of the two is an error, since it is surely a typo.
     *
     * @param source names the file in error messages
     * @throws IllegalArgumentException naming the file and line of the first problem
     */
    static Map<String, String> parse(String text, String source) {
        Map<String, Map<String, String>> profiles = new LinkedHashMap<>();
        Map<String, Integer> profileLines = new LinkedHashMap<>();
        Map<String, String> current = null;
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.length() < 3) {
                    throw malformed(source, lineNumber, "expected a section header like '[default]', got '" + line + "'");
                }
                String profile = line.substring(1, line.length() - 1).strip();
                if (profiles.containsKey(profile)) {
                    throw malformed(source, lineNumber, "profile [" + profile + "] appears twice");
                }
                current = new LinkedHashMap<>();
                profiles.put(profile, current);
                profileLines.put(profile, lineNumber);
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw malformed(source, lineNumber, "expected 'name = value', got '" + redact(line) + "'");
            }
            if (current == null) {
                throw malformed(source, lineNumber, "a setting before the first [profile] section");
            }
            current.put(line.substring(0, equals).strip().toLowerCase(Locale.ROOT), line.substring(equals + 1).strip());
        }

        Map<String, String> secretsById = new LinkedHashMap<>();
        for (var profile : profiles.entrySet()) {
            String id = profile.getValue().get(ACCESS_KEY_ID);
            String secret = profile.getValue().get(SECRET_ACCESS_KEY);
            int line = profileLines.get(profile.getKey());
            if (id == null && secret == null) {
                continue;
            }
            if (id == null || id.isEmpty()) {
                throw malformed(source, line, "profile [" + profile.getKey() + "] has no " + ACCESS_KEY_ID);
            }
            if (secret == null || secret.isEmpty()) {
                throw malformed(source, line, "profile [" + profile.getKey() + "] has no " + SECRET_ACCESS_KEY);
            }
            try {
                AccessKeys.checkKeyPair(id, secret);
            } catch (IllegalArgumentException e) {
                throw malformed(source, line, "profile [" + profile.getKey() + "]: " + e.getMessage());
            }
            String previous = secretsById.putIfAbsent(id, secret);
            if (previous != null && !previous.equals(secret)) {
                throw malformed(source, line,
                        "access key " + id + " appears in two profiles with different secrets");
            }
        }
        if (secretsById.isEmpty()) {
            throw new IllegalArgumentException("Credentials file " + source + " has no profile with both "
                    + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY);
        }
        return secretsById;
    }

    static String format(String profile, String accessKeyId, String secretAccessKey) {
        return "# Written by Kindling. Point AWS_SHARED_CREDENTIALS_FILE at this file and use\n"
                + "# --profile " + profile + " (or AWS_PROFILE=" + profile + ") to sign requests to this server.\n"
                + "[" + profile + "]\n"
                + ACCESS_KEY_ID + " = " + accessKeyId + "\n"
                + SECRET_ACCESS_KEY + " = " + secretAccessKey + "\n";
    }

    private static IllegalArgumentException malformed(String source, int line, String problem) {
        return new IllegalArgumentException("Malformed credentials file " + source + ", line " + line + ": " + problem);
    }

    /** A line we cannot parse may be a mangled secret; show only its start. */
    private static String redact(String line) {
        return line.length() <= 8 ? line : line.substring(0, 8) + "...";
    }
}
