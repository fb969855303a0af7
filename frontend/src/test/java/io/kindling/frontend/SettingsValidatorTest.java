package io.kindling.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.registry.FunctionSettings;
import io.kindling.wire.Environment;
import io.kindling.wire.EphemeralStorage;
import io.kindling.wire.LambdaJson;
import io.kindling.wire.Requests;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsValidatorTest {
    final SettingsValidator validator = new SettingsValidator(LambdaJson.mapper());

    static Requests.CreateFunction create(String runtime, String handler, Integer memory, Integer timeout,
                                          Map<String, String> env, Integer ephemeral) {
        return new Requests.CreateFunction("fn", runtime, "arn:aws:iam::123456789012:role/r", handler, null, null, timeout,
                memory, null, null, null, null, env == null ? null : new Environment(env), null, null, null, null, null,
                null, null, null, ephemeral == null ? null : new EphemeralStorage(ephemeral), null, null);
    }

    @Test
    void aDeadLetterQueueIsRefusedWithWhatToUseInsteadAndAnEmptyOneClears() throws Exception {
        var dlq = new io.kindling.wire.DeadLetterConfig("arn:aws:sqs:us-east-1:123456789012:dlq");
        var update = new Requests.UpdateFunctionConfiguration(null, null, null, null, null, null, null, null, dlq,
                null, null, null, null, null, null, null, null, null);
        assertThatThrownBy(() -> validator.forUpdate(update))
                .isInstanceOf(RequestException.InvalidParameter.class)
                .hasMessageContaining("DeadLetterConfig.TargetArn arn:aws:sqs:us-east-1:123456789012:dlq")
                .hasMessageContaining("OnFailure destination to a Kindling function (PutFunctionEventInvokeConfig")
                .hasMessageContaining("`kindling dlq ls FUNCTION`");
        var create = create("provided.al2023", "bootstrap", null, null, null, null);
        var withDlq = new Requests.CreateFunction(create.functionName(), create.runtime(), create.role(), create.handler(),
                null, null, null, null, null, null, null, dlq, null, null, null, null, null, null, null, null, null, null,
                null, null);
        assertThatThrownBy(() -> validator.forCreate(withDlq)).isInstanceOf(RequestException.InvalidParameter.class)
                .hasMessageContaining("Kindling does not run SQS or SNS");

        var clearing = new Requests.UpdateFunctionConfiguration(null, null, null, null, 256, null, null, null,
                new io.kindling.wire.DeadLetterConfig(""), null, null, null, null, null, null, null, null, null);
        FunctionSettings before = validator.forCreate(create);
        assertThat(validator.forUpdate(clearing).apply(before).memoryMb()).isEqualTo(256);
    }

    @Test
    void defaultsAreLambdas() throws Exception {
        FunctionSettings s = validator.forCreate(create("provided.al2023", "bootstrap", null, null, null, null));
        assertThat(s.memoryMb()).isEqualTo(128);
        assertThat(s.timeoutSeconds()).isEqualTo(3);
        assertThat(s.ephemeralStorageMb()).isEqualTo(512);
        assertThat(s.architectures()).containsExactly("x86_64");
        assertThat(s.tracingMode()).isEqualTo("PassThrough");
        assertThat(s.packageType()).isEqualTo("Zip");
        assertThat(s.description()).isEmpty();
    }

    @Test
    void everyViolationIsReportedTogetherInAwsWording() {
        assertThatThrownBy(() -> validator.forCreate(create("provided.al2023", "bootstrap", 127, 901, null, 10241)))
                .isInstanceOf(RequestException.ConstraintViolation.class)
                .hasMessageStartingWith("3 validation errors detected: ")
                .hasMessageContaining("Value '901' at 'timeout' failed to satisfy constraint: Member must have value less"
                        + " than or equal to 900")
                .hasMessageContaining("Value '127' at 'memorySize' failed to satisfy constraint: Member must have value"
                        + " greater than or equal to 128")
                .hasMessageContaining("at 'ephemeralStorage.size'");
    }

    @Test
    void boundariesAreInclusive() throws Exception {
        assertThat(validator.forCreate(create("java21", "a.B::c", 10240, 900, null, 10240)).memoryMb()).isEqualTo(10240);
        assertThat(validator.forCreate(create("java25", "a.B::c", 128, 1, null, 512)).timeoutSeconds()).isEqualTo(1);
    }

    @Test
    void runtimesLambdaHasButKindlingCannotRunAreNamedAsSuch() {
        assertThatThrownBy(() -> validator.forCreate(create("python3.12", "h", null, null, null, null)))
                .isInstanceOf(RequestException.InvalidParameter.class).hasMessageContaining("provided.al2023");
        assertThatThrownBy(() -> validator.forCreate(create("cobol9", "h", null, null, null, null)))
                .isInstanceOf(RequestException.ConstraintViolation.class).hasMessageContaining("enum value set");
    }

    @Test
    void environmentRules() {
        assertThatThrownBy(() -> validator.forCreate(create("java21", "h", null, null, Map.of("AWS_REGION", "x"), null)))
                .isInstanceOf(RequestException.InvalidParameter.class).hasMessageContaining("AWS_REGION");
        assertThatThrownBy(() -> validator.forCreate(create("java21", "h", null, null, Map.of("1X", "x"), null)))
                .isInstanceOf(RequestException.ConstraintViolation.class).hasMessageContaining("environment.variables");
        assertThatThrownBy(() -> validator.forCreate(create("java21", "h", null, null, Map.of("BIG", "x".repeat(4090)), null)))
                .isInstanceOf(RequestException.InvalidParameter.class).hasMessageContaining("exceeded the 4KB limit");
        // 4 KB is measured on the JSON text: {"BIG":"…"} with 4084 characters of value is exactly 4096 bytes.
        assertThat(catchNothing(() -> validator.forCreate(create("java21", "h", null, null,
                Map.of("BIG", "x".repeat(4096 - "{\"BIG\":\"\"}".length())), null)))).isNull();
    }

    @Test
    void updatesKeepWhatTheyDoNotName() throws Exception {
        FunctionSettings before = validator.forCreate(create("provided.al2023", "bootstrap", 256, 10, Map.of("KEY", "v"), null));
        var change = validator.forUpdate(new Requests.UpdateFunctionConfiguration(null, null, "new", null, 512, null, null,
                null, null, null, null, null, null, null, null, null, null, null));
        FunctionSettings after = change.apply(before);
        assertThat(after.memoryMb()).isEqualTo(512);
        assertThat(after.description()).isEqualTo("new");
        assertThat(after.timeoutSeconds()).isEqualTo(10);
        assertThat(after.environment()).isEqualTo(Map.of("KEY", "v"));
        assertThat(after.handler()).isEqualTo("bootstrap");
        // An empty Environment clears the variables, as in Lambda.
        var clear = validator.forUpdate(new Requests.UpdateFunctionConfiguration(null, null, null, null, null, null,
                new Environment(null), null, null, null, null, null, null, null, null, null, null, null));
        assertThat(clear.apply(before).environment()).isEmpty();
        assertThat(after.architectures()).isEqualTo(List.of("x86_64"));
    }

    static Throwable catchNothing(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return org.assertj.core.api.Assertions.catchThrowable(call);
    }
}
