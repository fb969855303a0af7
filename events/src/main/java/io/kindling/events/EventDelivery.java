package io.kindling.events;

/** How the queue invokes a function; supplied by the server (the synchronous invoke path). */
@FunctionalInterface
public interface EventDelivery {
    /**
     * Invokes the function once and waits for the outcome. Called on a virtual thread, at most
     * {@link EventQueueConfig#parallelism()} at once. An exception counts as {@link DeliveryResult.ServiceError}.
     */
    DeliveryResult deliver(QueuedEvent event);
}
