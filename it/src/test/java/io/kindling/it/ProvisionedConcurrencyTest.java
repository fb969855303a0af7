package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.GetProvisionedConcurrencyConfigResponse;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyStatusEnum;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** Provisioned concurrency end to end: the config through the SDK, environments initialized by the real worker. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ProvisionedConcurrencyTest extends ServerTest {

    static void deployAndPublish(String name, String bootstrap) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).timeout(10).memorySize(256)
                .code(c -> c.zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(bootstrap)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        lambda.publishVersion(r -> r.functionName(name));
        lambda.createAlias(r -> r.functionName(name).name("live").functionVersion("1"));
    }

    static GetProvisionedConcurrencyConfigResponse awaitStatus(String name, ProvisionedConcurrencyStatusEnum status) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> lambda
                .getProvisionedConcurrencyConfig(r -> r.functionName(name).qualifier("live")).status() == status);
        return lambda.getProvisionedConcurrencyConfig(r -> r.functionName(name).qualifier("live"));
    }

    @Test
    void provisionedEnvironmentsAreInitializedAheadAndTakeTheAliasesInvokesWarm() throws Exception {
        // The bootstrap says when it starts, so the log shows each environment's init.
        deployAndPublish("ready", "#!/bin/sh\necho \"init $AWS_LAMBDA_INITIALIZATION_TYPE\"\n"
                + ProvidedRuntimeBootstraps.SWISS_ARMY.substring(ProvidedRuntimeBootstraps.SWISS_ARMY.indexOf('\n') + 1));

        var put = lambda.putProvisionedConcurrencyConfig(r -> r.functionName("ready").qualifier("live")
                .provisionedConcurrentExecutions(2));
        assertThat(put.status()).isEqualTo(ProvisionedConcurrencyStatusEnum.IN_PROGRESS);

        var ready = awaitStatus("ready", ProvisionedConcurrencyStatusEnum.READY);
        assertThat(ready.allocatedProvisionedConcurrentExecutions()).isEqualTo(2);
        assertThat(ready.availableProvisionedConcurrentExecutions()).isEqualTo(2);
        KindlingCalls kindling = new KindlingCalls(server.endpoint());
        assertThat(kindling.logMessages("ready")).filteredOn(m -> m.startsWith("init "))
                .containsExactly("init provisioned-concurrency", "init provisioned-concurrency");
        assertThat(kindling.startedRequestIds("ready")).as("no invoke yet").isEmpty();

        InvokeResponse provisioned = lambda.invoke(r -> r.functionName("ready").qualifier("live").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("\"env:AWS_LAMBDA_INITIALIZATION_TYPE\"")));
        InvokeResponse onDemand = lambda.invoke(r -> r.functionName("ready")
                .payload(SdkBytes.fromUtf8String("\"env:AWS_LAMBDA_INITIALIZATION_TYPE\"")));

        assertThat(provisioned.payload().asUtf8String()).isEqualTo("\"provisioned-concurrency\"");
        assertThat(provisioned.executedVersion()).isEqualTo("1");
        assertThat(new String(Base64.getDecoder().decode(provisioned.logResult()), StandardCharsets.UTF_8))
                .as("warm: no init on the invoke's path").contains("REPORT RequestId").doesNotContain("Init Duration");
        assertThat(onDemand.payload().asUtf8String()).isEqualTo("\"on-demand\"");

        lambda.deleteProvisionedConcurrencyConfig(r -> r.functionName("ready").qualifier("live"));
        assertThat(lambda.invoke(r -> r.functionName("ready").qualifier("live")
                .payload(SdkBytes.fromUtf8String("\"count\""))).payload().asUtf8String())
                .as("still answered, by an on-demand environment now").matches("[0-9]+");
    }

    @Test
    void aFunctionWhoseInitFailsIsReportedFailedWithTheRuntimesReason() {
        deployAndPublish("broken", ProvidedRuntimeBootstraps.INIT_ERROR);

        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("broken").qualifier("live")
                .provisionedConcurrentExecutions(1));

        var failed = awaitStatus("broken", ProvisionedConcurrencyStatusEnum.FAILED);
        assertThat(failed.statusReason()).contains("Runtime.NoConfig").contains("config missing");
        assertThat(failed.availableProvisionedConcurrentExecutions()).isZero();
    }
}
