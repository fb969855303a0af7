package io.kindling.events;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * The child process of {@link EventQueueTest#nothingAcknowledgedIsLostToKillMinus9}: enqueues events as
 * fast as it can and prints {@code ok <id>} for each one whose future completed, until it is killed.
 * Its deliveries never return, so some events are in flight when the kill comes.
 */
public final class CrashingEnqueuer {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        CountDownLatch never = new CountDownLatch(1);
        EventQueue queue = EventQueue.open(dir, EventQueueConfig.defaults().withParallelism(2), e -> {
            System.out.println("delivering " + e.id());
            ScriptedDelivery.await(never);
            return ScriptedDelivery.success("null");
        }, (f, q) -> EventInvokeSettings.DEFAULTS, new FunctionArns("us-east-1", "123456789012"));
        System.out.println("open");
        // waves of 100 concurrent enqueues, so deliveries' reads interleave with writes
        for (int wave = 0; wave * 100 < count; wave++) {
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = wave * 100; i < Math.min(count, wave * 100 + 100); i++) {
                String id = "e-" + i;
                acks.add(queue.enqueue(new NewEvent(id, "f", "$LATEST", ("{\"i\":" + i + "}").getBytes(),
                        Instant.now())).thenRun(() -> System.out.println("ok " + id)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
        System.out.println("all enqueued");
        never.await();
    }
}
