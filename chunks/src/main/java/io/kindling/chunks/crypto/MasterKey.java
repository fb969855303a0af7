package io.kindling.chunks.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's 256-bit master key: it authenticates manifests and encrypts their chunk keys, and every
 * epoch's salt is derived from it. Kept in {@code <dir>/master.key} (32 raw bytes, mode 0600).
 *
 * <p>It is never used directly: {@link #derive} gives one independent key per purpose (HMAC-SHA-256 of the
 * purpose's name), so the manifest key and the salts can never be confused with each other.
 */
public final class MasterKey {

    public static final String FILE_NAME = "master.key";
    private static final int LENGTH = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] secret;

    private MasterKey(byte[] secret) {
        if (secret.length != LENGTH) {
            throw new IllegalArgumentException("a master key has 32 bytes, not " + secret.length);
        }
        this.secret = secret.clone();
    }

    /** A key held only in memory (tests, or a key from a secret manager). */
    public static MasterKey of(byte[] secret) {
        return new MasterKey(secret);
    }

    public static MasterKey generate() {
        byte[] secret = new byte[LENGTH];
        new SecureRandom().nextBytes(secret);
        return new MasterKey(secret);
    }

    /**
     * Loads {@code <dir>/master.key}, creating it first if there is none. Creation is atomic and durable (a
     * 0600 temporary, fsynced, then hard-linked into place and the directory fsynced): a crash leaves either
     * no key or a whole one, and of two processes racing to create it, both end up with the same key.
     *
     * @throws InsecureKeyFileException if the file grants any access to group or others, or is no regular file
     */
    public static MasterKey loadOrCreate(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return load(dir);
        }
        Files.createDirectories(dir);
        MasterKey fresh = generate();
        Path temp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(fresh.secret.clone());
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                // A link, unlike a rename, never replaces a key another process created meanwhile.
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException raced) {
                return load(dir);
            }
            fsyncDirectory(dir);
            return fresh;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Loads {@code <dir>/master.key}.
     *
     * @throws NoSuchFileException if there is none
     * @throws InsecureKeyFileException if it grants any access to group or others, or is no regular file
     */
    public static MasterKey load(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        PosixFileAttributes attributes =
                Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new InsecureKeyFileException(file, "not a regular file");
        }
        if (!OWNER_ONLY.containsAll(attributes.permissions())) {
            throw new InsecureKeyFileException(file, "mode "
                    + PosixFilePermissions.toString(attributes.permissions()) + " lets others read or change it; "
                    + "chmod 600 it");
        }
        byte[] secret = Files.readAllBytes(file);
        if (secret.length != LENGTH) {
            throw new IOException("the key file " + file + " holds " + secret.length + " bytes, not 32");
        }
        return new MasterKey(secret);
    }

    /** A 32-byte key for one purpose, independent of the keys for every other purpose. */
    public byte[] derive(String purpose) {
        return hmacSha256(secret, purpose.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "MasterKey[redacted]";
    }

    static byte[] hmacSha256(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform provides HmacSHA256", e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
