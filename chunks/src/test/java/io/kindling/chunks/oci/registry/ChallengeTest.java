package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {
    @Test
    void readsDockerHubsBearerChallenge() {
        Challenge challenge = Challenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/python:pull,push\"").orElseThrow();
        assertThat(challenge.isBearer()).isTrue();
        assertThat(challenge.parameters()).isEqualTo(Map.of("realm", "https://auth.docker.io/token",
                "service", "registry.docker.io", "scope", "repository:library/python:pull,push"));
    }

    @Test
    void readsBasicAndBareOrEscapedValues() {
        Challenge basic = Challenge.parse("Basic realm=\"kindling test\"").orElseThrow();
        assertThat(basic.isBasic()).isTrue();
        assertThat(basic.parameter("realm")).contains("kindling test");

        Challenge bare = Challenge.parse("bearer Realm=http://h/token, service=svc , note=\"a \\\"quoted\\\" word\"").orElseThrow();
        assertThat(bare.parameters()).isEqualTo(Map.of("realm", "http://h/token", "service", "svc", "note", "a \"quoted\" word"));
    }

    @Test
    void nothingToAnswerIsEmpty() {
        assertThat(Challenge.parse("")).isEmpty();
        assertThat(Challenge.parse("   ")).isEmpty();
    }
}
