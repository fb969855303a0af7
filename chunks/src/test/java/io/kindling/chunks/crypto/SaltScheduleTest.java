package io.kindling.chunks.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SaltScheduleTest {

    private static final MasterKey KEY = MasterKey.of(ConvergentEncryptionTest.random(32, 1));

    @Test
    void theEpochFollowsTheClock() {
        Duration week = Duration.ofDays(7);
        Instant start = Instant.ofEpochMilli(week.toMillis() * 2900);
        assertThat(schedule(week, start).current().epoch()).isEqualTo(2900);
        assertThat(schedule(week, start.plus(week).minusMillis(1)).current()).isEqualTo(schedule(week, start).current());
        assertThat(schedule(week, start.plus(week)).current().epoch()).isEqualTo(2901);
        assertThat(schedule(week, start.plus(week)).current()).isNotEqualTo(schedule(week, start).current());
    }

    @Test
    void saltsComeFromTheMasterKeyAloneSoEveryNodeAgrees() {
        SaltSchedule one = schedule(Duration.ofDays(1), Instant.EPOCH);
        SaltSchedule another = new SaltSchedule(MasterKey.of(ConvergentEncryptionTest.random(32, 1)),
                Duration.ofHours(1), Clock.systemUTC());
        assertThat(another.forEpoch(42)).isEqualTo(one.forEpoch(42));
        SaltSchedule otherKey = new SaltSchedule(MasterKey.of(ConvergentEncryptionTest.random(32, 2)),
                Duration.ofDays(1), Clock.systemUTC());
        assertThat(otherKey.forEpoch(42)).isNotEqualTo(one.forEpoch(42));
    }

    @Test
    void theSaltIsNotTheManifestKey() {
        // Key separation: no derived secret equals another, nor the master key's other uses.
        assertThat(schedule(Duration.ofDays(1), Instant.EPOCH).forEpoch(0).bytes())
                .isNotEqualTo(KEY.derive("kindling/manifest/v1"))
                .isNotEqualTo(KEY.derive(SaltSchedule.PURPOSE));
    }

    private static SaltSchedule schedule(Duration epoch, Instant now) {
        return new SaltSchedule(KEY, epoch, Clock.fixed(now, ZoneOffset.UTC));
    }
}
