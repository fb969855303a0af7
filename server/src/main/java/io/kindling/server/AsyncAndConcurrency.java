package io.kindling.server;

import io.kindling.counting.ConcurrencyCounter;
import io.kindling.events.EventQueue;
import io.kindling.events.EventQueueException;
import io.kindling.events.FunctionArns;
import io.kindling.frontend.Arns;
import io.kindling.frontend.AsyncEvents;
import io.kindling.frontend.Invoker;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import java.io.IOException;
import java.time.Clock;
import java.util.OptionalInt;

/**
 * What stands between the frontend and the worker besides the Invoker: the concurrency counter every invocation takes
 * a lease from, the durable async queue, and the reconciler that keeps provisioned environments as configured.
 * Started together, from the registry's state, and closed together (the queue first, so deliveries in flight finish
 * on a live worker).
 */
record AsyncAndConcurrency(ConcurrencyCounter counter, EventQueue queue, AsyncEvents events,
                           ProvisionedConcurrencyReconciler provisioned) implements AutoCloseable {

    static AsyncAndConcurrency start(ServerConfig config, DataDirectory dataDir, Registry registry, Invoker invoker,
                                     Arns arns) throws RegistryException, IOException, EventQueueException {
        ConcurrencyCounter counter = new ConcurrencyCounter(config.accountConcurrency(), config.scaling());
        registry.reservedConcurrency().forEach((function, reserved) ->
                counter.reserve(function, OptionalInt.of(reserved)));
        EventQueue queue = EventQueue.open(dataDir.eventsDir(), config.events(),
                new AsyncDelivery(registry, invoker, counter, arns), new RegistryEventSettings(registry),
                new FunctionArns(config.region(), config.accountId()));
        ProvisionedConcurrencyReconciler provisioned = new ProvisionedConcurrencyReconciler(registry,
                provisioner(invoker), counter);
        provisioned.start();
        return new AsyncAndConcurrency(counter, queue, new QueuedEvents(queue, Clock.systemUTC()), provisioned);
    }

    /** The worker's provisioning, or on a node without sandboxes a refusal that marks every config FAILED. */
    private static ProvisionedConcurrencyReconciler.Provisioner provisioner(Invoker invoker) {
        if (invoker instanceof LocalWorker worker) {
            return worker::provision;
        }
        return (version, count, listener) -> {
            if (count > 0) {
                throw new Invoker.InvokeRefused(Invoker.InvokeRefused.Why.UNAVAILABLE,
                        "this Kindling server cannot run sandboxes", null);
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        try {
            queue.close();
        } finally {
            provisioned.close();
        }
    }
}
