package io.kindling.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What an image import costs while it runs, sampled from beside it in the same JVM (the server runs in-process): the
 * JVM's used heap (every {@link #PERIOD_MILLIS} ms, garbage included, so an upper bound on what the import holds), the
 * heap after each collection (what was live), the bytes under a scratch directory, and the free space of its file
 * system.
 */
final class ImportProbe implements AutoCloseable {
    static final long PERIOD_MILLIS = 50;

    /**
     * @param heapBeforeBytes used heap after a full collection just before the import
     * @param peakHeapBytes   the largest used heap sampled (garbage included)
     * @param peakLiveBytes   the largest used heap right after a collection during the import; -1 when none ran
     * @param collections     collections during the import
     * @param peakScratchBytes the largest total size of the files under the scratch directory
     * @param diskUsedBytes   the file system's free space at the start minus its least during the import
     */
    record Peaks(long heapBeforeBytes, long peakHeapBytes, long peakLiveBytes, int collections, long peakScratchBytes,
                 long diskUsedBytes, long samples) {}

    private final Path scratch;
    private final FileStore store;
    private final long heapBefore;
    private final long freeBefore;
    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong peakLive = new AtomicLong(-1);
    private final AtomicInteger collections = new AtomicInteger();
    private final AtomicLong peakScratch = new AtomicLong();
    private final AtomicLong leastFree = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong samples = new AtomicLong();
    private final List<Runnable> unregister = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean running = true;

    /** Starts sampling; {@code scratch} need not exist yet. */
    ImportProbe(Path scratch, Path onFileSystem) throws IOException {
        this.scratch = scratch;
        this.store = Files.getFileStore(onFileSystem);
        System.gc();
        this.heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        this.freeBefore = store.getUsableSpace();
        NotificationListener listener = this::collected;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                unregister.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (javax.management.ListenerNotFoundException e) {
                        // already gone
                    }
                });
            }
        }
        this.sampler = Thread.ofPlatform().daemon().name("bench-import-probe").start(this::sample);
    }

    private void sample() {
        while (running) {
            peakHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
            peakScratch.accumulateAndGet(sizeOf(scratch), Math::max);
            try {
                leastFree.accumulateAndGet(store.getUsableSpace(), Math::min);
            } catch (IOException e) {
                // this sample has no free-space figure; the next one may
            }
            samples.incrementAndGet();
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void collected(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
        long after = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
        // Only the heap's pools count; the GC's own notification lists non-heap pools too, which hold class metadata
        // and code, not what an import allocates.
        long nonHeap = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                .filter(e -> e.getKey().contains("Metaspace") || e.getKey().contains("CodeHeap")
                        || e.getKey().contains("Compressed Class"))
                .mapToLong(e -> e.getValue().getUsed()).sum();
        peakLive.accumulateAndGet(after - nonHeap, Math::max);
        collections.incrementAndGet();
    }

    /** Total size of the regular files below {@code dir}; 0 when it is missing. Files vanishing meanwhile are skipped. */
    static long sizeOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long[] total = {0};
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile()) {
                        total[0] += a.size();
                    }
                } catch (IOException e) {
                    // deleted since it was listed
                }
            });
        } catch (UncheckedIOException | IOException e) {
            // a directory vanished while it was walked: what was counted so far stands
        }
        return total[0];
    }

    /** Stops sampling and says what it saw. */
    Peaks stop() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join();
        unregister.forEach(Runnable::run);
        long least = leastFree.get();
        return new Peaks(heapBefore, peakHeap.get(), peakLive.get(), collections.get(), peakScratch.get(),
                least == Long.MAX_VALUE ? 0 : Math.max(0, freeBefore - least), samples.get());
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
    }
}
