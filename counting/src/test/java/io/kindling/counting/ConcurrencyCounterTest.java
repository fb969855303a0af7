package io.kindling.counting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConcurrencyCounterTest {
    private final AtomicLong now = new AtomicLong();
    private static final ScalingRate GENEROUS = new ScalingRate(10_000, Duration.ofSeconds(10));

    private ConcurrencyCounter counter(int accountLimit, ScalingRate rate) {
        return new ConcurrencyCounter(accountLimit, rate, now::get);
    }

    private static List<Lease> take(ConcurrencyCounter counter, String function, int n) throws Throttled {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leases.add(counter.acquire(function));
        }
        return leases;
    }

    @Test
    void theAccountLimitIsSharedByFunctionsWithoutReservations() throws Throttled {
        ConcurrencyCounter counter = counter(5, GENEROUS);
        List<Lease> held = take(counter, "a", 3);
        take(counter, "b", 2);

        assertThatThrownBy(() -> counter.acquire("c")).isInstanceOfSatisfying(Throttled.class, t -> {
            assertThat(t.reason()).isEqualTo(Throttled.Reason.ConcurrentInvocationLimitExceeded);
            assertThat(t.reservedZero()).isFalse();
        });
        held.getFirst().close();
        held.getFirst().close(); // a second close returns nothing more
        assertThat(counter.acquire("c").function()).isEqualTo("c");
        assertThatThrownBy(() -> counter.acquire("c")).isInstanceOf(Throttled.class);
        assertThat(counter.inFlight("a")).isEqualTo(2);
    }

    @Test
    void aReservationIsBothACeilingAndCapacityNobodyElseCanUse() throws Throttled {
        ConcurrencyCounter counter = counter(10, GENEROUS);
        counter.reserve("reserved", OptionalInt.of(4));
        assertThat(counter.unreservedLimit()).isEqualTo(6);

        take(counter, "other", 6);
        assertThatThrownBy(() -> counter.acquire("other")).isInstanceOf(Throttled.class);
        List<Lease> mine = take(counter, "reserved", 4); // untouched by the other function's load
        assertThatThrownBy(() -> counter.acquire("reserved")).isInstanceOfSatisfying(Throttled.class, t ->
                assertThat(t.reason()).isEqualTo(Throttled.Reason.ReservedFunctionConcurrentInvocationLimitExceeded));

        counter.reserve("reserved", OptionalInt.empty()); // back into the shared pool, which is full
        assertThat(counter.unreservedLimit()).isEqualTo(10);
        mine.forEach(Lease::close);
        assertThat(counter.inFlight("reserved")).isZero();
        take(counter, "other", 4);
    }

    @Test
    void reservedZeroThrottlesEverythingAndSaysSo() {
        ConcurrencyCounter counter = counter(10, GENEROUS);
        counter.reserve("off", OptionalInt.of(0));
        assertThatThrownBy(() -> counter.acquire("off")).isInstanceOfSatisfying(Throttled.class, t -> {
            assertThat(t.reservedZero()).isTrue();
            assertThat(t.reason()).isEqualTo(Throttled.Reason.ReservedFunctionConcurrentInvocationLimitExceeded);
        });
    }

    @Test
    void provisionedConcurrencyIsTheFunctionsOwnBeforeItDrawsOnTheSharedPool() throws Throttled {
        ConcurrencyCounter counter = counter(10, GENEROUS);
        counter.provision("warm", 3);
        assertThat(counter.unreservedLimit()).isEqualTo(7);

        take(counter, "other", 7);
        assertThatThrownBy(() -> counter.acquire("other")).isInstanceOf(Throttled.class);
        take(counter, "warm", 3);
        assertThatThrownBy(() -> counter.acquire("warm")).isInstanceOfSatisfying(Throttled.class, t ->
                assertThat(t.reason()).isEqualTo(Throttled.Reason.ConcurrentInvocationLimitExceeded));
    }

    @Test
    void scalingPastTheRecentPeakIsRateLimitedAndRecoversOverThePeriod() throws Throttled {
        ConcurrencyCounter counter = counter(1000, new ScalingRate(3, Duration.ofSeconds(10)));
        List<Lease> first = take(counter, "f", 3);
        assertThatThrownBy(() -> counter.acquire("f")).isInstanceOfSatisfying(Throttled.class, t ->
                assertThat(t.reason()).isEqualTo(Throttled.Reason.FunctionInvocationRateLimitExceeded));

        // Reusing concurrency already reached costs nothing.
        first.getFirst().close();
        Lease again = counter.acquire("f");

        now.addAndGet(Duration.ofMillis(3_400).toNanos()); // one token back (3 per 10 s)
        Lease fourth = counter.acquire("f");
        assertThatThrownBy(() -> counter.acquire("f")).isInstanceOf(Throttled.class);
        assertThat(counter.inFlight("f")).isEqualTo(4);
        again.close();
        fourth.close();
    }

    @Test
    void stateOfAnIdleFunctionWithoutSettingsIsDropped() throws Throttled {
        ConcurrencyCounter counter = counter(2, GENEROUS);
        counter.acquire("a").close();
        counter.reserve("b", OptionalInt.of(1));
        counter.forget("b");
        assertThat(counter.unreservedLimit()).isEqualTo(2);
        assertThat(counter.inFlight("a")).isZero();
        assertThatThrownBy(() -> new ConcurrencyCounter(0, GENEROUS)).isInstanceOf(IllegalArgumentException.class);
    }
}
