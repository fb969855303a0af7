package io.kindling.chunks.manifest;

import io.kindling.chunks.crypto.ChunkKey;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.MasterKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a {@link Manifest} into bytes and opens them again, under AES-256-GCM with a key derived from the
 * master key. Binary, big-endian:
 * <pre>
 *   header   "KMF1"  version:u8 = 1  nonce:12  clearLength:u32
 *   clear    partCount:u16, per part: nameLength:u8 name:UTF-8 size:u64 chunkCount:u32,
 *              per chunk: length:u32 kind:u8 (0 stored, 1 zeros) [name:32 if stored]
 *   sealed   GCM ciphertext of, per stored chunk in order: h:32 key:32; then the 16-byte tag
 * </pre>
 * The header, the clear section and the image id the caller seals it for (not stored) are GCM's additional
 * authenticated data, so every byte of the manifest and what it belongs to are authenticated, while only the secrets (keys, and plaintext hashes, which would let anyone
 * holding a file confirm it is there) are encrypted; chunk names stay readable, as in Lambda's design,
 * for tools that inspect the store. Offsets are not stored: each is the sum of the lengths before it, so
 * they cannot disagree with the lengths.
 *
 * <p>Binary rather than JSON: about 37 + 64 bytes per 512 KiB chunk (a 10 GiB image: about 2 MiB, where
 * hex in JSON would triple it), and nothing to parse before authenticating but a fixed header.
 */
public final class ManifestCodec {

    static final String PURPOSE = "kindling/manifest/v1";
    private static final byte[] MAGIC = "KMF1".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER_LENGTH = MAGIC.length + 1 + NONCE_LENGTH + Integer.BYTES;
    private static final int KIND_STORED = 0;
    private static final int KIND_ZERO = 1;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public ManifestCodec(MasterKey masterKey) {
        this.key = new SecretKeySpec(masterKey.derive(PURPOSE), "AES");
    }

    /**
     * @param imageId what the manifest belongs to (for instance the code's SHA-256): authenticated but not
     *     stored, so the sealed bytes open only under the same id and one image's manifest cannot be passed
     *     off as another's
     */
    public byte[] seal(Manifest manifest, String imageId) {
        byte[] clear = clearSection(manifest);
        byte[] secrets = secretSection(manifest);
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH)
                .put(MAGIC).put((byte) VERSION).put(nonce).putInt(clear.length);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header.array());
            cipher.updateAAD(clear);
            cipher.updateAAD(binding(imageId));
            byte[] sealed = cipher.doFinal(secrets);
            return ByteBuffer.allocate(HEADER_LENGTH + clear.length + sealed.length)
                    .put(header.array()).put(clear).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is unavailable", e);
        }
    }

    /**
     * @param imageId the id the manifest was sealed for
     * @throws ManifestCorruptException if the bytes were changed or truncated, were sealed under another
     *     master key or for another image, or are no manifest; nothing is parsed from them before they are
     *     authenticated
     */
    public Manifest open(byte[] sealedManifest, String imageId) throws ManifestCorruptException {
        if (sealedManifest.length < HEADER_LENGTH + TAG_BITS / 8) {
            throw new ManifestCorruptException("only " + sealedManifest.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(sealedManifest);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC) || in.get() != VERSION) {
            throw new ManifestCorruptException("not a version 1 manifest");
        }
        byte[] nonce = new byte[NONCE_LENGTH];
        in.get(nonce);
        int clearLength = in.getInt();
        if (clearLength < 0 || clearLength > in.remaining() - TAG_BITS / 8) {
            throw new ManifestCorruptException("its clear section claims " + clearLength + " bytes");
        }
        byte[] secrets;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(sealedManifest, 0, HEADER_LENGTH + clearLength);
            cipher.updateAAD(binding(imageId));
            int sealedStart = HEADER_LENGTH + clearLength;
            secrets = cipher.doFinal(sealedManifest, sealedStart, sealedManifest.length - sealedStart);
        } catch (AEADBadTagException e) {
            throw new ManifestCorruptException(
                    "authentication failed: changed, truncated, or sealed under another master key or for another image", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is unavailable", e);
        }
        try {
            return parse(ByteBuffer.wrap(sealedManifest, HEADER_LENGTH, clearLength), ByteBuffer.wrap(secrets));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            // Only our own seal() produced these authenticated bytes, so this means a bug, not an attack.
            throw new ManifestCorruptException("authentic but malformed: " + e.getMessage(), e);
        }
    }

    private static Manifest parse(ByteBuffer clear, ByteBuffer secrets) throws ManifestCorruptException {
        int partCount = Short.toUnsignedInt(clear.getShort());
        List<ManifestPart> parts = new ArrayList<>(partCount);
        for (int p = 0; p < partCount; p++) {
            byte[] name = new byte[Byte.toUnsignedInt(clear.get())];
            clear.get(name);
            long size = clear.getLong();
            long chunkCount = Integer.toUnsignedLong(clear.getInt());
            // Each chunk takes at least 5 clear bytes: refuse a count that could not fit before allocating.
            if (chunkCount > clear.remaining() / 5) {
                throw new ManifestCorruptException("a part claims " + chunkCount + " chunks");
            }
            List<ChunkEntry> chunks = new ArrayList<>((int) chunkCount);
            long offset = 0;
            for (long c = 0; c < chunkCount; c++) {
                int length = clear.getInt();
                int kind = clear.get();
                ChunkEntry chunk = switch (kind) {
                    case KIND_STORED -> new StoredChunk(offset, length, new ChunkRef(
                            new Digest256(bytes(clear, Digest256.LENGTH)),
                            new Digest256(bytes(secrets, Digest256.LENGTH)),
                            new ChunkKey(bytes(secrets, ChunkKey.LENGTH))));
                    case KIND_ZERO -> new ZeroChunk(offset, length);
                    default -> throw new ManifestCorruptException("unknown chunk kind " + kind);
                };
                chunks.add(chunk);
                offset = chunk.end();
            }
            parts.add(new ManifestPart(new String(name, StandardCharsets.UTF_8), size, chunks));
        }
        if (clear.hasRemaining() || secrets.hasRemaining()) {
            throw new ManifestCorruptException("bytes left over after the last part");
        }
        return new Manifest(parts);
    }

    /** The image id, length-prefixed so that no id is a prefix of another's additional data. */
    private static byte[] binding(String imageId) {
        byte[] id = imageId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Integer.BYTES + id.length).putInt(id.length).put(id).array();
    }

    private static byte[] bytes(ByteBuffer in, int length) {
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static byte[] clearSection(Manifest manifest) {
        if (manifest.parts().size() > 0xffff) {
            throw new IllegalArgumentException("at most 65535 parts");
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeShort(manifest.parts().size());
            for (ManifestPart part : manifest.parts()) {
                byte[] name = part.name().getBytes(StandardCharsets.UTF_8);
                out.writeByte(name.length);
                out.write(name);
                out.writeLong(part.size());
                out.writeInt(part.chunks().size());
                for (ChunkEntry chunk : part.chunks()) {
                    out.writeInt(chunk.length());
                    switch (chunk) {
                        case StoredChunk stored -> {
                            out.writeByte(KIND_STORED);
                            out.write(stored.ref().name().bytes());
                        }
                        case ZeroChunk zero -> out.writeByte(KIND_ZERO);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    private static byte[] secretSection(Manifest manifest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ManifestPart part : manifest.parts()) {
            for (ChunkEntry chunk : part.chunks()) {
                if (chunk instanceof StoredChunk stored) {
                    out.writeBytes(stored.ref().plaintextHash().bytes());
                    out.writeBytes(stored.ref().key().bytes());
                }
            }
        }
        return out.toByteArray();
    }
}
