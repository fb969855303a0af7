package io.kindling.it;

import static io.kindling.it.AliasesTagsConcurrencyTest.createWithVersions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.model.FunctionEventInvokeConfig;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyConfigListItem;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyConfigNotFoundException;
import software.amazon.awssdk.services.lambda.model.ProvisionedConcurrencyStatusEnum;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Event invoke configs (destinations, retries), DeadLetterConfig and provisioned concurrency configs through the SDK:
 * the control plane's answers only, on a server without a worker, so the hundreds of environments some of these
 * configs ask for are not started (ProvisionedConcurrencyTest runs them).
 */
@ServerTest.WithoutWorker
class AsyncConfigAndProvisionedConcurrencyTest extends ServerTest {
    static final String ARN = "arn:aws:lambda:us-east-1:123456789012:function:";

    @Test
    void putReplacesUpdateMergesAndConfigsArePerQualifier() {
        createWithVersions("async", 1);
        lambda.createAlias(r -> r.functionName("async").name("live").functionVersion("1"));

        var put = lambda.putFunctionEventInvokeConfig(r -> r.functionName("async").maximumRetryAttempts(1)
                .maximumEventAgeInSeconds(120).destinationConfig(d -> d.onFailure(f -> f.destination(ARN + "sink"))));
        assertThat(put.sdkHttpResponse().statusCode()).isEqualTo(200);
        assertThat(put.functionArn()).isEqualTo(ARN + "async:$LATEST");
        assertThat(put.maximumRetryAttempts()).isEqualTo(1);
        assertThat(put.destinationConfig().onFailure().destination()).isEqualTo(ARN + "sink");
        assertThat(put.destinationConfig().onSuccess().destination()).isNull();
        // Epoch seconds with milliseconds on the wire; the SDK reads them as an instant.
        assertThat(Duration.between(put.lastModified(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
        assertThat(put.lastModified().getNano() % 1_000_000).isZero();

        var merged = lambda.updateFunctionEventInvokeConfig(r -> r.functionName("async").maximumEventAgeInSeconds(300));
        assertThat(merged.maximumRetryAttempts()).isEqualTo(1);
        assertThat(merged.maximumEventAgeInSeconds()).isEqualTo(300);
        assertThat(merged.destinationConfig().onFailure().destination()).isEqualTo(ARN + "sink");

        var replaced = lambda.putFunctionEventInvokeConfig(r -> r.functionName("async").maximumRetryAttempts(0));
        assertThat(replaced.maximumEventAgeInSeconds()).isNull();
        assertThat(replaced.destinationConfig().onFailure().destination()).isNull();
        var got = lambda.getFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("$LATEST"));
        assertThat(got.maximumRetryAttempts()).isZero();
        assertThat(got.maximumEventAgeInSeconds()).isNull();

        lambda.putFunctionEventInvokeConfig(r -> r.functionName("async:live").maximumRetryAttempts(2)
                .destinationConfig(d -> d.onSuccess(s -> s.destination(ARN + "audit:prod"))));
        lambda.putFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("1").maximumEventAgeInSeconds(60));
        assertThat(lambda.getFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("live"))
                .destinationConfig().onSuccess().destination()).isEqualTo(ARN + "audit:prod");
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async")).functionEventInvokeConfigs())
                .extracting(FunctionEventInvokeConfig::functionArn)
                .containsExactly(ARN + "async:$LATEST", ARN + "async:1", ARN + "async:live");
        var first = lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async").maxItems(2));
        assertThat(first.functionEventInvokeConfigs()).hasSize(2);
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async").marker(first.nextMarker()))
                .functionEventInvokeConfigs()).extracting(FunctionEventInvokeConfig::functionArn)
                .containsExactly(ARN + "async:live");
        assertServiceError(() -> lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async").maxItems(51)),
                "ValidationException", "Member must have value less than or equal to 50");

        // Update is for existing configs only; a qualifier must exist.
        lambda.createAlias(r -> r.functionName("async").name("beta").functionVersion("$LATEST"));
        assertThatThrownBy(() -> lambda.updateFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("beta")
                .maximumRetryAttempts(1))).isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("The function " + ARN + "async:beta doesn't have an EventInvokeConfig");
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("ghost")
                .maximumRetryAttempts(1))).isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("nope")))
                .isInstanceOf(ResourceNotFoundException.class);

        var deleted = lambda.deleteFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("1"));
        assertThat(deleted.sdkHttpResponse().statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> lambda.getFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("1")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("doesn't have an EventInvokeConfig");

        // Deleting an alias or a version deletes its config with it.
        lambda.deleteAlias(r -> r.functionName("async").name("live"));
        lambda.putFunctionEventInvokeConfig(r -> r.functionName("async").qualifier("1").maximumRetryAttempts(1));
        lambda.deleteFunction(r -> r.functionName("async").qualifier("1"));
        assertThat(lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async")).functionEventInvokeConfigs())
                .extracting(FunctionEventInvokeConfig::functionArn).containsExactly(ARN + "async:$LATEST");
        lambda.deleteFunction(r -> r.functionName("async"));
        assertThatThrownBy(() -> lambda.listFunctionEventInvokeConfigs(r -> r.functionName("async")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void destinationsMustBeKindlingFunctionsOtherThanItself() {
        createWithVersions("sender", 0);
        for (var other : List.of(
                List.of("arn:aws:sqs:us-east-1:123456789012:failed-events", "an SQS queue"),
                List.of("arn:aws:sns:us-east-1:123456789012:alerts", "an SNS topic"),
                List.of("arn:aws:events:us-east-1:123456789012:event-bus/default", "an EventBridge event bus"),
                List.of("arn:aws:s3:::failed-events-bucket", "an S3 bucket"))) {
            assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                    .destinationConfig(d -> d.onFailure(f -> f.destination(other.get(0))))))
                    .isInstanceOf(InvalidParameterValueException.class)
                    .hasMessageContaining(other.get(1))
                    .hasMessageContaining("only to Kindling functions (" + ARN + "NAME[:QUALIFIER])");
        }
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                .destinationConfig(d -> d.onSuccess(s -> s.destination("arn:aws:lambda:eu-west-1:123456789012:function:x")))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("another region or account");
        for (String self : List.of(ARN + "sender", ARN + "sender:$LATEST")) {
            assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                    .destinationConfig(d -> d.onFailure(f -> f.destination(self)))))
                    .isInstanceOf(InvalidParameterValueException.class)
                    .hasMessageContaining("You can't specify the function as a destination for itself.");
        }
        assertServiceError(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                .destinationConfig(d -> d.onFailure(f -> f.destination("not-an-arn")))), "ValidationException",
                "at 'destinationConfig.onFailure.destination' failed to satisfy constraint");
        assertServiceError(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender").maximumRetryAttempts(3)),
                "ValidationException", "Value '3' at 'maximumRetryAttempts'");
        assertServiceError(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                .maximumEventAgeInSeconds(59)), "ValidationException", "Value '59' at 'maximumEventAgeInSeconds'");
        assertServiceError(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")
                .maximumEventAgeInSeconds(21601)), "ValidationException", "less than or equal to 21600");
        assertThatThrownBy(() -> lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("You must specify at least one of error handling or destination setting.");

        // As in Lambda, the destination function need not exist yet.
        var put = lambda.putFunctionEventInvokeConfig(r -> r.functionName("sender").maximumRetryAttempts(2)
                .maximumEventAgeInSeconds(21600).destinationConfig(d -> d.onSuccess(s -> s.destination(ARN + "later"))
                        .onFailure(f -> f.destination(ARN + "later:1"))));
        assertThat(put.destinationConfig().onSuccess().destination()).isEqualTo(ARN + "later");
        assertThat(put.destinationConfig().onFailure().destination()).isEqualTo(ARN + "later:1");
    }

    @Test
    void aDeadLetterQueueIsRefusedWithWhatToUseInstead() {
        createWithVersions("dlq", 0);
        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("dlq")
                .deadLetterConfig(d -> d.targetArn("arn:aws:sqs:us-east-1:123456789012:dlq"))))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("Kindling does not run SQS or SNS")
                .hasMessageContaining("OnFailure destination to a Kindling function (PutFunctionEventInvokeConfig")
                .hasMessageContaining("`kindling dlq ls FUNCTION`");
        // An empty TargetArn clears the setting, which Kindling never stored: accepted.
        var cleared = lambda.updateFunctionConfiguration(r -> r.functionName("dlq").deadLetterConfig(d -> d.targetArn("")));
        assertThat(cleared.sdkHttpResponse().statusCode()).isEqualTo(200);
    }

    @Test
    void provisionedConcurrencyOnVersionsAndAliases() {
        createWithVersions("warm", 2);
        lambda.createAlias(r -> r.functionName("warm").name("live").functionVersion("1"));
        lambda.createAlias(r -> r.functionName("warm").name("edge").functionVersion("$LATEST"));

        for (String unpublished : List.of("$LATEST", "edge")) {
            assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm")
                    .qualifier(unpublished).provisionedConcurrentExecutions(1)))
                    .isInstanceOf(InvalidParameterValueException.class)
                    .hasMessageContaining("Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
        }
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm")
                .provisionedConcurrentExecutions(1))).isInstanceOf(InvalidParameterValueException.class);
        assertThatThrownBy(() -> lambda.getProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("$LATEST")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("The function resource provided must be an alias or a published version.");
        assertServiceError(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("2")
                .provisionedConcurrentExecutions(0)), "ValidationException", "greater than or equal to 1");

        var put = lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("live")
                .provisionedConcurrentExecutions(5));
        assertThat(put.sdkHttpResponse().statusCode()).isEqualTo(202);
        assertThat(put.requestedProvisionedConcurrentExecutions()).isEqualTo(5);
        assertThat(put.allocatedProvisionedConcurrentExecutions()).isZero();
        assertThat(put.availableProvisionedConcurrentExecutions()).isZero();
        assertThat(put.status()).isEqualTo(ProvisionedConcurrencyStatusEnum.IN_PROGRESS);
        assertThat(put.lastModified()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+0000");
        // This server runs no worker: the config is refused by the reconciler, with the reason.
        await().atMost(Duration.ofMinutes(1)).until(() -> lambda.getProvisionedConcurrencyConfig(r ->
                r.functionName("warm:live")).status() == ProvisionedConcurrencyStatusEnum.FAILED);
        var got = lambda.getProvisionedConcurrencyConfig(r -> r.functionName("warm:live"));
        assertThat(got.requestedProvisionedConcurrentExecutions()).isEqualTo(5);
        assertThat(got.statusReason()).contains("cannot run sandboxes");
        assertThat(got.availableProvisionedConcurrentExecutions()).isZero();

        // An alias and the version it points to cannot both have provisioned concurrency.
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("1")
                .provisionedConcurrentExecutions(1))).isInstanceOf(ResourceConflictException.class)
                .hasMessageContaining("Version is pointed by a Provisioned Concurrency alias");
        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("2").provisionedConcurrentExecutions(3));
        lambda.createAlias(r -> r.functionName("warm").name("next").functionVersion("2"));
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("next")
                .provisionedConcurrentExecutions(1))).isInstanceOf(ResourceConflictException.class)
                .hasMessageContaining("Alias can't be used for Provisioned Concurrency configuration on an already"
                        + " Provisioned version");
        assertThatThrownBy(() -> lambda.getProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("next")))
                .isInstanceOf(ProvisionedConcurrencyConfigNotFoundException.class)
                .hasMessageContaining("No Provisioned Concurrency Config found for this function");
        assertThatThrownBy(() -> lambda.getProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("ghost")))
                .isInstanceOf(ResourceNotFoundException.class);

        var list = lambda.listProvisionedConcurrencyConfigs(r -> r.functionName("warm"));
        assertThat(list.provisionedConcurrencyConfigs()).extracting(ProvisionedConcurrencyConfigListItem::functionArn)
                .containsExactly(ARN + "warm:2", ARN + "warm:live");
        assertThat(list.provisionedConcurrencyConfigs().get(0).requestedProvisionedConcurrentExecutions()).isEqualTo(3);
        var page = lambda.listProvisionedConcurrencyConfigs(r -> r.functionName("warm").maxItems(1));
        assertThat(lambda.listProvisionedConcurrencyConfigs(r -> r.functionName("warm").marker(page.nextMarker()))
                .provisionedConcurrencyConfigs()).extracting(ProvisionedConcurrencyConfigListItem::functionArn)
                .containsExactly(ARN + "warm:live");

        // A reservation bounds the provisioned total, and may not fall below it.
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("warm").reservedConcurrentExecutions(7)))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("provisioned concurrency (8)");
        lambda.putFunctionConcurrency(r -> r.functionName("warm").reservedConcurrentExecutions(10));
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("2")
                .provisionedConcurrentExecutions(6))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("Requested Provisioned Concurrency should not be greater than the"
                        + " reservedConcurrentExecution for function");
        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("2").provisionedConcurrentExecutions(5));
        lambda.deleteFunctionConcurrency(r -> r.functionName("warm"));

        var deleted = lambda.deleteProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("live"));
        assertThat(deleted.sdkHttpResponse().statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> lambda.getProvisionedConcurrencyConfig(r -> r.functionName("warm").qualifier("live")))
                .isInstanceOf(ProvisionedConcurrencyConfigNotFoundException.class);
        lambda.deleteFunction(r -> r.functionName("warm"));
        assertThatThrownBy(() -> lambda.listProvisionedConcurrencyConfigs(r -> r.functionName("warm")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void provisionedConcurrencyOfUnreservedFunctionsLeavesTheUnreservedMinimum() {
        createWithVersions("pool", 1);
        int unreserved = lambda.getAccountSettings(r -> { }).accountLimit().unreservedConcurrentExecutions();
        int most = unreserved - 100;
        assertThatThrownBy(() -> lambda.putProvisionedConcurrencyConfig(r -> r.functionName("pool").qualifier("1")
                .provisionedConcurrentExecutions(most + 1))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("Specified ConcurrentExecutions for function decreases account's"
                        + " UnreservedConcurrentExecution below its minimum value of [100].");
        lambda.putProvisionedConcurrencyConfig(r -> r.functionName("pool").qualifier("1").provisionedConcurrentExecutions(most));
        assertThat(lambda.getAccountSettings(r -> { }).accountLimit().unreservedConcurrentExecutions()).isEqualTo(100);
        // The unreserved pool is spent: no reservation fits either.
        createWithVersions("pool-other", 0);
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("pool-other")
                .reservedConcurrentExecutions(1))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("[100]");
        lambda.deleteProvisionedConcurrencyConfig(r -> r.functionName("pool").qualifier("1"));
        assertThat(lambda.getAccountSettings(r -> { }).accountLimit().unreservedConcurrentExecutions()).isEqualTo(unreserved);
    }

    static void assertServiceError(Runnable call, String errorCode, String message) {
        LambdaException e = catchThrowableOfType(LambdaException.class, call::run);
        assertThat(e).as("expected %s", errorCode).isNotNull();
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo(errorCode);
        assertThat(e.awsErrorDetails().errorMessage()).contains(message);
    }
}
