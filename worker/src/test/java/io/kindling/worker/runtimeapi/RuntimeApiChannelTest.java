package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The hand-off's state machine without HTTP: the handler's calls made directly. */
class RuntimeApiChannelTest {
    private final RecordingListener events = new RecordingListener();
    private final RuntimeApiChannel channel = new RuntimeApiChannel("sandbox", events);

    private static RuntimeOutcome.Response response(String text) {
        return new RuntimeOutcome.Response(text.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private static RuntimeOutcome.InitError initError() {
        return new RuntimeOutcome.InitError("Runtime.ExitError", "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static Refusal refusalOf(CompletableFuture<InvocationRequest> next) {
        assertThat(next).isCompletedExceptionally();
        try {
            next.join();
            throw new AssertionError("expected a refusal");
        } catch (java.util.concurrent.CompletionException e) {
            return ((Refusal.Refused) e.getCause()).refusal();
        }
    }

    @Test
    void aDeliveryWaitsForTheRuntimeToAsk() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(invocation);

        CompletableFuture<InvocationRequest> next = channel.awaitNext();

        assertThat(next).isCompletedWithValue(invocation);
        events.awaitAskedForNext();
        assertThat(channel.answer(invocation.requestId(), response("ok"))).isEmpty();
        assertThat(outcome).isCompleted();
    }

    @Test
    void aSecondDeliveryWhileOneIsQueuedOrRunningIsABug() {
        InvocationRequest first = Invocations.of("{}");
        channel.deliver(first);

        assertThatThrownBy(() -> channel.deliver(Invocations.of("{}")))
                .isInstanceOf(RuntimeApiException.InvocationInFlight.class)
                .hasMessageContaining(first.requestId());
        channel.awaitNext();
        assertThatThrownBy(() -> channel.deliver(Invocations.of("{}")))
                .isInstanceOfSatisfying(RuntimeApiException.InvocationInFlight.class,
                        e -> assertThat(e.inFlightRequestId()).isEqualTo(first.requestId()));
    }

    @Test
    void theNextDeliveryIsAllowedOnceTheRuntimeAnswered() {
        InvocationRequest first = Invocations.of("{}");
        channel.deliver(first);
        channel.awaitNext();
        channel.answer(first.requestId(), response("1"));

        InvocationRequest second = Invocations.of("{}");
        channel.deliver(second);

        assertThat(channel.awaitNext()).isCompletedWithValue(second);
    }

    @Test
    void anAnswerForAnInvocationNotYetHandedOverIsRefused() {
        InvocationRequest queued = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(queued);

        assertThat(channel.answer(queued.requestId(), response("guess")))
                .containsInstanceOf(Refusal.InvalidStateTransition.class);
        assertThat(outcome).isNotDone();
    }

    @Test
    void aNewerPollReplacesAParkedOne() {
        CompletableFuture<InvocationRequest> older = channel.awaitNext();
        CompletableFuture<InvocationRequest> newer = channel.awaitNext();

        assertThat(refusalOf(older)).isInstanceOf(Refusal.InvalidStateTransition.class);
        InvocationRequest invocation = Invocations.of("{}");
        channel.deliver(invocation);
        assertThat(newer).isCompletedWithValue(invocation);
    }

    @Test
    void cancellingTheCallersFutureDoesNotWithdrawTheInvocation() {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(invocation);

        outcome.cancel(false);

        assertThat(channel.awaitNext()).isCompletedWithValue(invocation);
        assertThat(channel.answer(invocation.requestId(), response("fine"))).isEmpty();
    }

    @Test
    void aSecondInitErrorIsRefusedAndEveryDeliveryGetsTheFirst() throws Exception {
        RuntimeOutcome.InitError error = initError();
        assertThat(channel.reportInitError(error)).isEmpty();

        assertThat(channel.reportInitError(initError())).containsInstanceOf(Refusal.InvalidStateTransition.class);
        assertThat(channel.deliver(Invocations.of("{}")).get()).isSameAs(error);
        assertThat(channel.deliver(Invocations.of("{}")).get()).isSameAs(error);
        assertThat(refusalOf(channel.awaitNext())).isInstanceOf(Refusal.InvalidStateTransition.class);
    }

    @Test
    void closingFailsAQueuedInvocationAndRefusesEverythingAfter() {
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(Invocations.of("{}"));

        channel.close();
        channel.close();

        assertThatThrownBy(outcome::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RuntimeApiException.EnvironmentClosed.class);
        assertThat(refusalOf(channel.awaitNext())).isInstanceOf(Refusal.EnvironmentClosed.class);
        assertThat(channel.answer("any", response("x"))).containsInstanceOf(Refusal.EnvironmentClosed.class);
        assertThat(channel.reportInitError(initError())).containsInstanceOf(Refusal.EnvironmentClosed.class);
        assertThat(channel.deliver(Invocations.of("{}"))).isCompletedExceptionally();
    }
}
