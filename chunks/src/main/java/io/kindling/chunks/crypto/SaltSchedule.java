package io.kindling.chunks.crypto;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;

/**
 * Which salt chunks are encrypted under: time is cut into epochs of {@code epochLength} counted from the
 * Unix epoch, and epoch n's salt is HMAC-SHA-256(K_salt, n as 8 big-endian bytes) with K_salt derived from
 * the master key. So no salt is ever stored, every node with the master key agrees on every salt, and a
 * salt cannot be guessed without the master key.
 *
 * <p>Decryption never needs the schedule: a manifest carries each chunk's key.
 */
public final class SaltSchedule {

    static final String PURPOSE = "kindling/chunk-salt/v1";

    private final byte[] saltKey;
    private final Duration epochLength;
    private final Clock clock;

    public SaltSchedule(MasterKey masterKey, Duration epochLength, Clock clock) {
        if (epochLength.isNegative() || epochLength.isZero()) {
            throw new IllegalArgumentException("an epoch must last a while: " + epochLength);
        }
        this.saltKey = masterKey.derive(PURPOSE);
        this.epochLength = epochLength;
        this.clock = clock;
    }

    /** The salt of the epoch the clock is in now. */
    public Salt current() {
        return forEpoch(Math.floorDiv(clock.millis(), epochLength.toMillis()));
    }

    public Salt forEpoch(long epoch) {
        byte[] message = ByteBuffer.allocate(Long.BYTES).putLong(epoch).array();
        return new Salt(epoch, MasterKey.hmacSha256(saltKey, message));
    }

    public Duration epochLength() {
        return epochLength;
    }
}
