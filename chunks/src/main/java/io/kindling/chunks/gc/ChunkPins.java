package io.kindling.chunks.gc;

import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.origin.OriginStore;
import io.kindling.chunks.origin.StoredObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What keeps a concurrent ingest safe from garbage collection: the chunks an ingest is about to name in a manifest
 * that is not durable yet, which no mark can find.
 *
 * <p>The protocol:
 * <ol>
 *   <li>An ingest {@linkplain Holder#pin pins} each chunk <em>before</em> its put looks for it in the origin, and
 *       {@linkplain Holder#close releases} its pins only once the manifest naming them is durable.
 *   <li>A collection {@linkplain #beginPass begins a pass} before it lists manifests to mark. From then until the
 *       pass ends, every pin is also recorded as <em>seen</em>, along with every pin already held.
 *   <li>The sweep deletes a chunk only if it is unmarked and was never seen, checked and deleted under the lock
 *       that pinning takes.
 * </ol>
 * Why that suffices: a manifest made durable before the pass began is listed by its mark. A manifest made durable
 * later had its chunks pinned at the pass's start or during it, so they were seen. And a pin cannot fall between
 * the sweep's check and its delete: if it comes first the chunk is spared; if it comes after, the delete is complete
 * and the put that follows the pin finds the chunk missing and writes it again. So a reused chunk whose put answered
 * "already there" is never deleted before its manifest is durable.
 *
 * <p>Holding the lock through a delete is cheap on a local disk (an unlink). A remote origin, where a delete is a
 * round trip, would instead claim the one name under the lock and make a pin of that name wait for the delete.
 *
 * <p>Bounds: the pins held are the distinct chunks of the ingests in progress; the seen set adds the chunks pinned
 * while one pass runs. Thread-safe; one pass at a time.
 */
public final class ChunkPins {
    /** Guarded by this: how many holders pin each chunk. */
    private final Map<Digest256, Integer> held = new HashMap<>();
    /** Guarded by this: null when no pass runs. */
    private Set<Digest256> seen;

    /** A new holder for one ingest; its pins last until it is closed. */
    public Holder holder() {
        return new Holder();
    }

    /**
     * Begins a collection pass: call before listing the manifests to mark, and close the pass after the sweep.
     *
     * @throws IllegalStateException if another pass is running
     */
    public synchronized Pass beginPass() {
        if (seen != null) {
            throw new IllegalStateException("a collection pass is already running");
        }
        seen = new HashSet<>(held.keySet());
        return new Pass();
    }

    private synchronized void pin(Digest256 name) {
        held.merge(name, 1, Integer::sum);
        if (seen != null) {
            seen.add(name);
        }
    }

    private synchronized void release(Set<Digest256> names) {
        for (Digest256 name : names) {
            held.computeIfPresent(name, (n, count) -> count == 1 ? null : count - 1);
        }
    }

    /** Deletes the chunk unless a pin has been seen since the pass began; the pin lock is held throughout. */
    private synchronized boolean deleteUnlessSeen(Digest256 name, OriginStore origin) throws IOException {
        if (seen == null) {
            throw new IllegalStateException("the pass has ended");
        }
        return !seen.contains(name) && origin.delete(name);
    }

    private synchronized void endPass() {
        seen = null;
    }

    /** One ingest's pins. Thread-safe: an ingest's puts run on several threads. */
    public final class Holder implements AutoCloseable {
        /** Guarded by this: each chunk is pinned once per holder. */
        private final Set<Digest256> names = new HashSet<>();
        private boolean closed;

        private Holder() {}

        /**
         * Keeps {@code name} from being swept until this holder is closed. Call before the put that stores or finds
         * the chunk.
         */
        public void pin(Digest256 name) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the holder is closed");
                }
                if (!names.add(name)) {
                    return;
                }
            }
            ChunkPins.this.pin(name);
        }

        /** Releases every pin: call once the manifest naming the chunks is durable (or will never be written). */
        @Override
        public void close() {
            Set<Digest256> pinned;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                pinned = Set.copyOf(names);
                names.clear();
            }
            release(pinned);
        }
    }

    /** One collection pass: begun before the mark, ended after the sweep. */
    public final class Pass implements AutoCloseable {
        private Pass() {}

        /**
         * Deletes every chunk of {@code origin} that is not {@code marked}, was stored before {@code cutoff} (the
         * grace period), and was not pinned since this pass began. Temporaries of puts in progress are never listed,
         * so never touched.
         */
        public SweepReport sweep(OriginStore origin, Set<Digest256> marked, Instant cutoff) throws IOException {
            SweepReport report = SweepReport.NONE;
            try (Stream<StoredObject> listed = origin.list()) {
                Iterator<StoredObject> objects = listed.iterator();
                while (objects.hasNext()) {
                    StoredObject object = objects.next();
                    boolean garbage = !marked.contains(object.name()) && object.storedAt().isBefore(cutoff)
                            && deleteUnlessSeen(object.name(), origin);
                    report = garbage ? report.plusDeleted(object.size()) : report.plusKept(object.size());
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return report;
        }

        @Override
        public void close() {
            endPass();
        }
    }
}
