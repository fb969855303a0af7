package io.kindling.server;

import io.kindling.counting.ConcurrencyCounter;
import io.kindling.counting.Lease;
import io.kindling.counting.Throttled;
import io.kindling.events.DeliveryResult;
import io.kindling.events.EventDelivery;
import io.kindling.events.QueuedEvent;
import io.kindling.frontend.Arns;
import io.kindling.frontend.Invoker;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.registry.VersionStatus;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the async queue runs an event: as Lambda's pollers do, through the synchronous path. The qualifier is resolved
 * now (an alias may point elsewhere than when the event was accepted), a concurrency lease is taken or the event is
 * throttled back into its queue, and the worker runs it with the event's id as its request id.
 */
final class AsyncDelivery implements EventDelivery {
    private static final Logger log = LoggerFactory.getLogger(AsyncDelivery.class);

    private final Registry registry;
    private final Invoker invoker;
    private final ConcurrencyCounter counter;
    private final Arns arns;

    AsyncDelivery(Registry registry, Invoker invoker, ConcurrencyCounter counter, Arns arns) {
        this.registry = registry;
        this.invoker = invoker;
        this.counter = counter;
        this.arns = arns;
    }

    @Override
    public DeliveryResult deliver(QueuedEvent event) {
        FunctionVersion version;
        try {
            version = registry.resolve(event.functionName(), event.qualifier());
        } catch (RegistryException.FunctionNotFound | RegistryException.VersionNotFound
                 | RegistryException.AliasNotFound gone) {
            return new DeliveryResult.FunctionGone();
        } catch (RegistryException e) {
            return new DeliveryResult.ServiceError("the registry could not be read: " + e.getMessage());
        }
        VersionStatus status = version.status();
        if (!status.invocable()) {
            // Lambda answers such an invoke with 409; for a queued event it is a passing state, so it waits.
            return new DeliveryResult.ServiceError("the function is " + status.state() + " / "
                    + status.lastUpdateStatus());
        }
        String invokedArn = event.qualifier().equals(FunctionVersion.LATEST)
                ? arns.function(event.functionName())
                : arns.function(event.functionName(), event.qualifier());
        try (Lease lease = counter.acquire(event.functionName())) {
            Invoker.Result result = invoker.invoke(version, new Invoker.Request(event.payload(), invokedArn,
                    Optional.empty(), false, event.id()));
            return result.functionError().isPresent()
                    ? new DeliveryResult.FunctionError(result.payload(), version.version(), result.functionError().get())
                    : new DeliveryResult.Success(result.payload(), version.version());
        } catch (Throttled t) {
            return t.reservedZero() ? new DeliveryResult.ThrottledReservedZero() : new DeliveryResult.Throttled(
                    t.reason().name());
        } catch (InterruptedException e) {
            // The server is stopping: the event stays stored and runs again after the next start.
            Thread.currentThread().interrupt();
            return new DeliveryResult.ServiceError("interrupted: the server is stopping");
        } catch (Invoker.InvokeRefused refused) {
            return switch (refused.why()) {
                case NO_CAPACITY -> new DeliveryResult.Throttled(refused.getMessage());
                case UNAVAILABLE -> {
                    log.warn("async event {} of {}: {}", event.id(), event.functionName(), refused.getMessage());
                    yield new DeliveryResult.ServiceError(refused.getMessage());
                }
            };
        }
    }
}
