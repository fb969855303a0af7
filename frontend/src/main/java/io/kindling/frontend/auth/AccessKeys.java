package io.kindling.frontend.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The access keys callers may sign with: an immutable map from access key id to secret. */
public final class AccessKeys {
    /** The file name under the data directory, and the profile our generated key is written under. */
    public static final String CREDENTIALS_FILE_NAME = "credentials";
    public static final String GENERATED_PROFILE = "kindling";

    private static final Logger log = LoggerFactory.getLogger(AccessKeys.class);
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    private static final String ACCESS_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, String> secretsById;

    private AccessKeys(Map<String, String> secretsById) {
        secretsById.forEach(AccessKeys::checkKeyPair);
        this.secretsById = Map.copyOf(secretsById);
    }

    /**
     * The result of {@link #loadOrGenerate}: the keys, whether they were made just now (so the
     * server can tell the user where to find them), and the file they live in.
     */
    public record Loaded(AccessKeys keys, boolean generated, Path file) {
        public Loaded {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(file, "file");
        }
    }

    public static AccessKeys of(String accessKeyId, String secretAccessKey) {
        return new AccessKeys(Map.of(accessKeyId, secretAccessKey));
    }

    public static AccessKeys of(Map<String, String> secretsById) {
        if (secretsById.isEmpty()) {
            throw new IllegalArgumentException("at least one access key is needed");
        }
        return new AccessKeys(secretsById);
    }

    /**
     * Reads an AWS shared-credentials file; every profile that has a key pair becomes one key.
     *
     * @throws IllegalArgumentException if the file is not in that format, naming the line
     */
    public static AccessKeys fromCredentialsFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return new AccessKeys(SharedCredentialsFile.parse(text, file.toString()));
    }

    /**
     * Reads {@code dataDir/credentials}, or on first start creates it with a fresh key pair under
     * the {@code [kindling]} profile. The file is readable by its owner only; an existing file
     * that is readable by others is tightened to that on load, since it holds secrets.
     */
    public static Loaded loadOrGenerate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(CREDENTIALS_FILE_NAME);
        if (Files.exists(file)) {
            restrictToOwner(file);
            return new Loaded(fromCredentialsFile(file), false, file);
        }
        Files.createDirectories(dataDir);
        String accessKeyId = "AKIA" + randomString(ACCESS_KEY_ALPHABET, 16);
        String secret = randomString(SECRET_ALPHABET, 40);
        writeAtomically(file, SharedCredentialsFile.format(GENERATED_PROFILE, accessKeyId, secret));
        log.info("Generated access key {} and wrote it to {} under profile [{}]", accessKeyId, file, GENERATED_PROFILE);
        return new Loaded(of(accessKeyId, secret), true, file);
    }

    public Optional<String> secretFor(String accessKeyId) {
        return Optional.ofNullable(secretsById.get(accessKeyId));
    }

    /** The ids, sorted; never the secrets. */
    public Set<String> accessKeyIds() {
        return new TreeSet<>(secretsById.keySet());
    }

    /** Shows the ids only, so that logging an AccessKeys never leaks a secret. */
    @Override
    public String toString() {
        return "AccessKeys" + accessKeyIds();
    }

    /**
     * The id ends up in a credential scope, which is split on {@code /}; whitespace would not
     * survive the Authorization header's parsing either.
     */
    static void checkKeyPair(String accessKeyId, String secret) {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secret, "secret");
        if (accessKeyId.isEmpty() || !accessKeyId.chars().allMatch(c -> c > ' ' && c < 0x7F && c != '/' && c != ',')) {
            throw new IllegalArgumentException("access key id must be printable ASCII without '/', ',' or spaces: '"
                    + accessKeyId + "'");
        }
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("secret for access key " + accessKeyId + " is empty");
        }
    }

    private static String randomString(String alphabet, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /**
     * Temp file created owner-only from the start (a chmod after writing would leave a window where
     * the secret is readable), forced to disk, renamed over the target, then the directory forced
     * so that the rename itself survives a crash. A crash at any point leaves either no file or a
     * complete one, never a half-written credentials file that the next start would reject.
     */
    private static void writeAtomically(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = createOwnerOnlyTempFile(dir);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private static Path createOwnerOnlyTempFile(Path dir) throws IOException {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
                : new FileAttribute<?>[0];
        while (true) {
            Path temp = dir.resolve("." + CREDENTIALS_FILE_NAME + "." + randomString(ACCESS_KEY_ALPHABET, 8) + ".tmp");
            try {
                return Files.createFile(temp, attributes);
            } catch (FileAlreadyExistsException e) {
                // another name, then
            }
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (!OWNER_READ_WRITE.containsAll(permissions)) {
            Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
            log.warn("{} was {}; it holds secrets, so it is now rw-------", file,
                    PosixFilePermissions.toString(permissions));
        }
    }
}
