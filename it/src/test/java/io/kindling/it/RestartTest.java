package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/** Everything the control plane accepted survives kill -9 of the server process, and SIGTERM stops it cleanly. */
class RestartTest {
    @TempDir
    Path dir;

    @Test
    void everyFunctionVersionAliasTagConcurrencyAndAsyncSettingSurvivesKill9() throws Exception {
        GetFunctionResponse latestBefore;
        GetFunctionResponse v1Before;
        var aliasBefore = (software.amazon.awssdk.services.lambda.model.GetAliasResponse) null;
        try (ChildServer child = ChildServer.start(dir, "first"); LambdaClient lambda = child.client()) {
            lambda.createFunction(r -> r.functionName("durable").runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                    .role(TestServer.ROLE).description("keeps").environment(e -> e.variables(Map.of("KEY", "value")))
                    .tags(Map.of("team", "core")).code(c -> c.zipFile(Zips.sdk(Zips.bootstrap("durable")))));
            lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("durable"));
            lambda.publishVersion(r -> r.functionName("durable").description("v1"));
            lambda.updateFunctionConfiguration(r -> r.functionName("durable").memorySize(2048));
            lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("durable"));
            lambda.createAlias(r -> r.functionName("durable").name("live").functionVersion("1"));
            lambda.putFunctionConcurrency(r -> r.functionName("durable").reservedConcurrentExecutions(7));
            lambda.tagResource(r -> r.resource("arn:aws:lambda:us-east-1:123456789012:function:durable")
                    .tags(Map.of("env", "prod")));
            lambda.putFunctionEventInvokeConfig(r -> r.functionName("durable").qualifier("live").maximumRetryAttempts(1)
                    .destinationConfig(d -> d.onFailure(f -> f.destination(
                            "arn:aws:lambda:us-east-1:123456789012:function:failures"))));
            lambda.putProvisionedConcurrencyConfig(r -> r.functionName("durable").qualifier("live")
                    .provisionedConcurrentExecutions(3));
            latestBefore = lambda.getFunction(r -> r.functionName("durable"));
            v1Before = lambda.getFunction(r -> r.functionName("durable").qualifier("1"));
            aliasBefore = lambda.getAlias(r -> r.functionName("durable").name("live"));
            // The last acknowledged write, then SIGKILL: no shutdown hook, no checkpoint.
            lambda.createFunction(r -> r.functionName("last-write").runtime(Runtime.JAVA21).handler("a.B::c")
                    .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(Zips.bootstrap("last")))));
            child.kill9();
        }

        try (ChildServer child = ChildServer.start(dir, "second"); LambdaClient lambda = child.client()) {
            GetFunctionResponse latestAfter = lambda.getFunction(r -> r.functionName("durable"));
            assertThat(latestAfter.configuration()).isEqualTo(latestBefore.configuration());
            assertThat(latestAfter.tags()).isEqualTo(Map.of("team", "core", "env", "prod"));
            assertThat(latestAfter.concurrency().reservedConcurrentExecutions()).isEqualTo(7);
            GetFunctionResponse v1After = lambda.getFunction(r -> r.functionName("durable").qualifier("1"));
            assertThat(v1After.configuration()).isEqualTo(v1Before.configuration());
            assertThat(v1After.configuration().memorySize()).isEqualTo(128);
            assertThat(v1After.configuration().description()).isEqualTo("v1");
            var asyncAfter = lambda.getFunctionEventInvokeConfig(r -> r.functionName("durable").qualifier("live"));
            assertThat(asyncAfter.maximumRetryAttempts()).isEqualTo(1);
            assertThat(asyncAfter.destinationConfig().onFailure().destination())
                    .isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:failures");
            assertThat(lambda.getProvisionedConcurrencyConfig(r -> r.functionName("durable").qualifier("live"))
                    .requestedProvisionedConcurrentExecutions()).isEqualTo(3);
            var aliasAfter = lambda.getAlias(r -> r.functionName("durable").name("live"));
            assertThat(aliasAfter.toString()).isEqualTo(aliasBefore.toString());
            // A function whose preparation the kill may have interrupted still becomes Active.
            var last = lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("last-write")).matched().response()
                    .orElseThrow();
            assertThat(last.configuration().state()).isEqualTo(State.ACTIVE);
            assertThat(last.configuration().runtimeAsString()).isEqualTo("java21");
            // The code package survived too: its presigned link still serves the bytes.
            assertThat(lambda.getFunction(r -> r.functionName("last-write")).code().location()).contains("/kindling/code/");
        }
    }

    @Test
    void sigtermStopsGracefullyAndClosesTheDatabase() throws Exception {
        try (ChildServer child = ChildServer.start(dir, "graceful"); LambdaClient lambda = child.client()) {
            lambda.createFunction(r -> r.functionName("before-stop").runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                    .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(Zips.bootstrap("stop")))));
            int exit = child.terminate();
            assertThat(exit).isIn(0, 143);
            assertThat(child.output()).contains("Kindling stopping").contains("Kindling stopped");
            // A clean close checkpoints and removes the write-ahead log.
            assertThat(Files.exists(child.dataDir.resolve("registry.db-wal"))).isFalse();
        }
        try (ChildServer again = ChildServer.start(dir, "after-stop"); LambdaClient lambda = again.client()) {
            assertThat(lambda.getFunction(r -> r.functionName("before-stop")).configuration().functionName())
                    .isEqualTo("before-stop");
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() throws Exception {
        try (ChildServer first = ChildServer.start(dir, "holder")) {
            var thrown = org.assertj.core.api.Assertions.catchThrowable(() -> ChildServer.start(dir, "intruder"));
            assertThat(thrown).hasMessageContaining("another Kindling server is using the data directory");
        }
    }
}
