package io.kindling.chunks.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Content-defined chunking with FastCDC (Xia et al., USENIX ATC 2016; extended in IEEE TPDS 2020): a gear
 * hash {@code h = (h << 1) + GEAR[byte]} rolled over the input, cutting where the hash's top bits are all
 * zero. Because a cut depends only on the 64 bytes before it, inserting bytes early in an input moves the
 * cut points near the insertion and leaves every later chunk as it was, which fixed-size blocks cannot do.
 *
 * <p>Three of the paper's techniques:
 * <ul>
 *   <li><b>cut-point skipping</b>: nothing is hashed in a chunk's first {@code min} bytes;
 *   <li><b>normalized chunking</b> (level 2): before {@code avg} bytes a cut needs log2(avg) + 2 zero bits
 *       (harder), after it log2(avg) − 2 (easier), which pulls chunk sizes towards {@code avg};
 *   <li><b>masks on the high bits</b>: with a left-shifting hash the top bits mix the most recent 64
 *       bytes, where the low bits would see only the last few.
 * </ul>
 * A chunk never exceeds {@code max}. Deterministic: the same bytes give the same cut points, on every
 * machine and in every version, since the gear table is fixed ({@link GearTable}).
 *
 * <p>Memory: one buffer of {@code max} bytes per call plus the chunk being handed over; nothing else
 * grows with the input. Stateless and thread-safe; each call has its own buffer.
 */
public final class FastCdc {

    private final ChunkSizes sizes;
    private final long[] gear = GearTable.shared();
    private final long maskHard;
    private final long maskEasy;

    public FastCdc(ChunkSizes sizes) {
        this.sizes = sizes;
        this.maskHard = topBits(sizes.avgBits() + 2);
        this.maskEasy = topBits(sizes.avgBits() - 2);
    }

    public FastCdc() {
        this(ChunkSizes.DEFAULT);
    }

    public ChunkSizes sizes() {
        return sizes;
    }

    /**
     * Reads {@code in} to its end and hands every chunk, in order, to {@code sink}. An empty input has no
     * chunks; an input shorter than {@code min} is one chunk. Does not close {@code in}.
     */
    public void split(InputStream in, ChunkSink sink) throws IOException {
        byte[] window = new byte[sizes.max()];
        int filled = 0;
        long offset = 0;
        boolean atEnd = false;
        while (true) {
            if (!atEnd) {
                int read = in.readNBytes(window, filled, window.length - filled);
                filled += read;
                atEnd = filled < window.length;
            }
            if (filled == 0) {
                return;
            }
            // The window is full unless the input has ended, so a cut is never decided on partial data.
            int length = cutPoint(window, filled);
            byte[] chunk = Arrays.copyOf(window, length);
            System.arraycopy(window, length, window, 0, filled - length);
            filled -= length;
            sink.accept(new Chunk(offset, chunk));
            offset += length;
        }
    }

    /** As {@link #split(InputStream, ChunkSink)}, from a file channel's current position or any channel. */
    public void split(ReadableByteChannel channel, ChunkSink sink) throws IOException {
        // Not closed: closing the stream would close the caller's channel.
        split(Channels.newInputStream(channel), sink);
    }

    /** The length of the chunk that starts at {@code data[0]}, given {@code available} bytes. */
    int cutPoint(byte[] data, int available) {
        if (available <= sizes.min()) {
            return available;
        }
        int limit = Math.min(available, sizes.max());
        int normal = Math.min(sizes.avg(), limit);
        long hash = 0;
        int i = sizes.min();
        for (; i < normal; i++) {
            hash = (hash << 1) + gear[data[i] & 0xff];
            if ((hash & maskHard) == 0) {
                return i + 1;
            }
        }
        for (; i < limit; i++) {
            hash = (hash << 1) + gear[data[i] & 0xff];
            if ((hash & maskEasy) == 0) {
                return i + 1;
            }
        }
        return limit;
    }

    private static long topBits(int count) {
        return -1L << (64 - count);
    }
}
