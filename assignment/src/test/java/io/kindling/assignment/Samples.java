package io.kindling.assignment;

import static io.kindling.assignment.EnvironmentState.Kind.AWAITING_NEXT;
import static io.kindling.assignment.EnvironmentState.Kind.BUSY;
import static io.kindling.assignment.EnvironmentState.Kind.CREATING;
import static io.kindling.assignment.EnvironmentState.Kind.DRAINING;
import static io.kindling.assignment.EnvironmentState.Kind.FROZEN;
import static io.kindling.assignment.EnvironmentState.Kind.IDLE;
import static io.kindling.assignment.EnvironmentState.Kind.INITIALIZING;

import io.kindling.assignment.EnvironmentEvent.DeadlinePassed;
import io.kindling.assignment.EnvironmentEvent.EntrypointInvalid;
import io.kindling.assignment.EnvironmentEvent.ErrorReported;
import io.kindling.assignment.EnvironmentEvent.EvictionRequested;
import io.kindling.assignment.EnvironmentEvent.FreezeGracePassed;
import io.kindling.assignment.EnvironmentEvent.GracePassed;
import io.kindling.assignment.EnvironmentEvent.IdleTimeoutPassed;
import io.kindling.assignment.EnvironmentEvent.InitErrorReported;
import io.kindling.assignment.EnvironmentEvent.InvokeAssigned;
import io.kindling.assignment.EnvironmentEvent.ProcessExited;
import io.kindling.assignment.EnvironmentEvent.ResponseReported;
import io.kindling.assignment.EnvironmentEvent.RuntimeAskedForNext;
import io.kindling.assignment.EnvironmentEvent.SandboxReady;
import io.kindling.assignment.EnvironmentEvent.ShutdownRequested;
import io.kindling.assignment.EnvironmentState.AwaitingNext;
import io.kindling.assignment.EnvironmentState.Busy;
import io.kindling.assignment.EnvironmentState.Creating;
import io.kindling.assignment.EnvironmentState.Draining;
import io.kindling.assignment.EnvironmentState.Frozen;
import io.kindling.assignment.EnvironmentState.Gone;
import io.kindling.assignment.EnvironmentState.Idle;
import io.kindling.assignment.EnvironmentState.Initializing;
import io.kindling.assignment.EnvironmentState.Kind;
import io.kindling.assignment.EnvironmentState.Reason;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One sample of every state and every event, and the test's own statement of which pairs are legal, written
 * independently of the production switch so the two check each other.
 */
final class Samples {
    private Samples() {}

    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    static final Instant NOW = T0.plusSeconds(2);
    static final Instant DEADLINE = T0.plusSeconds(3);
    static final InvocationId FIRST = new InvocationId("req-1");
    static final InvocationId SECOND = new InvocationId("req-2");
    static final LifecycleSettings SETTINGS = LifecycleSettings.DEFAULTS;
    static final String MISSING_BOOTSTRAP = "Couldn't find valid bootstrap(s): [/var/task/bootstrap]";

    static final List<EnvironmentState> STATES = List.of(
            new Creating(T0, FIRST, DEADLINE),
            new Initializing(T0, FIRST, DEADLINE),
            // Provisioned: initialized ahead of any invoke. Same legal events as with a waiting invocation.
            new Creating(T0, Optional.empty(), DEADLINE, null),
            new Initializing(T0, Optional.empty(), DEADLINE, null),
            new Busy(FIRST, DEADLINE, true),
            new AwaitingNext(FIRST, DEADLINE),
            new Idle(T0),
            new Frozen(T0),
            new Draining(T0, Reason.EVICTED),
            new Gone(Reason.EVICTED));

    static final List<EnvironmentEvent> EVENTS = List.of(
            new SandboxReady(),
            new EntrypointInvalid(MISSING_BOOTSTRAP),
            new RuntimeAskedForNext(),
            new InvokeAssigned(SECOND, NOW.plusSeconds(3)),
            new ResponseReported(FIRST),
            new ErrorReported(FIRST),
            new InitErrorReported("Runtime.ImportModuleError"),
            new DeadlinePassed(),
            new ProcessExited(1, false),
            new IdleTimeoutPassed(),
            new FreezeGracePassed(),
            new EvictionRequested(),
            new ShutdownRequested(),
            new GracePassed());

    /** Where each event is legal. Everything else must be refused with NotInState naming exactly these states. */
    static final Map<Class<? extends EnvironmentEvent>, Set<Kind>> LEGAL = Map.ofEntries(
            Map.entry(SandboxReady.class, EnumSet.of(CREATING)),
            Map.entry(EntrypointInvalid.class, EnumSet.of(CREATING)),
            Map.entry(RuntimeAskedForNext.class, EnumSet.of(INITIALIZING, AWAITING_NEXT)),
            Map.entry(InvokeAssigned.class, EnumSet.of(IDLE, FROZEN)),
            Map.entry(ResponseReported.class, EnumSet.of(BUSY)),
            Map.entry(ErrorReported.class, EnumSet.of(BUSY)),
            Map.entry(InitErrorReported.class, EnumSet.of(INITIALIZING)),
            Map.entry(DeadlinePassed.class, EnumSet.of(CREATING, INITIALIZING, BUSY, AWAITING_NEXT)),
            Map.entry(ProcessExited.class, EnumSet.complementOf(EnumSet.of(Kind.GONE))),
            Map.entry(IdleTimeoutPassed.class, EnumSet.of(IDLE, FROZEN)),
            Map.entry(FreezeGracePassed.class, EnumSet.of(IDLE)),
            Map.entry(EvictionRequested.class, EnumSet.of(IDLE, FROZEN)),
            Map.entry(ShutdownRequested.class, EnumSet.of(IDLE, FROZEN)),
            Map.entry(GracePassed.class, EnumSet.of(DRAINING)));

    static boolean legal(EnvironmentState state, EnvironmentEvent event) {
        return LEGAL.get(event.getClass()).contains(state.kind());
    }

    static String name(Object o) {
        return o.getClass().getSimpleName();
    }
}
