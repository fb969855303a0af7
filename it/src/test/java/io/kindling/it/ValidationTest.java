package io.kindling.it;

import static io.kindling.it.ValidationSupport.assertInvalidParameter;
import static io.kindling.it.ValidationSupport.assertLambdaError;
import static io.kindling.it.ValidationSupport.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.services.lambda.model.AliasConfiguration;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * Request validation through the real SDK: every rejected request gets Lambda's error name, status and
 * message, and a rejected CreateFunction leaves no function, no usage and no stored or staged package behind.
 */
class ValidationTest extends ServerTest {
    private static final String SUPPORTED = "provided, provided.al2, provided.al2023, java17, java21, java25";

    private static final AtomicInteger rejected = new AtomicInteger();

    // ---------------------------------------------------------------- helpers

    static CreateFunctionResponse create(String name) {
        return lambda.createFunction(r -> valid(r, name, Zips.bootstrap(name)));
    }

    static CreateFunctionRequest.Builder valid(CreateFunctionRequest.Builder r, String name, byte[] zip) {
        return r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap").role(TestServer.ROLE)
                .code(c -> c.zipFile(Zips.sdk(zip)));
    }

    /**
     * Sends a CreateFunction that is valid except for what {@code change} does, expects the given error, and
     * checks that nothing was left behind: no function of that name, the same account usage, no new file among
     * the stored and staged packages, and in particular none for this request's zip.
     */
    static void assertCreateRejected(Consumer<CreateFunctionRequest.Builder> change,
                                     Class<? extends software.amazon.awssdk.services.lambda.model.LambdaException> type,
                                     String errorCode, String message) {
        String name = "rejected-" + rejected.incrementAndGet();
        byte[] zip = Zips.bootstrap(name);
        String[] sentName = new String[1];
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        assertLambdaError(() -> lambda.createFunction(r -> {
            valid(r, name, zip);
            change.accept(r);
            sentName[0] = r.build().functionName();
        }), type, errorCode, 400, message);
        assertNothingLeftBehind(before, zip, name, sentName[0]);
    }

    static void assertCreateValidation(Consumer<CreateFunctionRequest.Builder> change, String message) {
        assertCreateRejected(change, software.amazon.awssdk.services.lambda.model.LambdaException.class,
                "ValidationException", message);
    }

    static void assertCreateInvalid(Consumer<CreateFunctionRequest.Builder> change, String message) {
        assertCreateRejected(change, InvalidParameterValueException.class, "InvalidParameterValueException", message);
    }

    static void assertNothingLeftBehind(ValidationSupport.State before, byte[] zip, String... names) {
        ValidationSupport.State after = ValidationSupport.State.of(lambda, server.dataDir);
        assertThat(after).isEqualTo(before);
        for (String n : names) {
            if (n != null) {
                assertThat(after.functions()).doesNotContain(n);
            }
        }
        if (zip != null) {
            assertThat(ValidationSupport.packagePath(server.dataDir, zip)).doesNotExist();
        }
        assertThat(ValidationSupport.files(server.dataDir.resolve("staging"))).isEmpty();
    }

    /** The error body's message: AWS writes "Message" for some errors and "message" for others. */
    static String errorMessage(ValidationHttp.Answer answer) throws Exception {
        JsonNode error = new ObjectMapper().readTree(answer.body());
        return error.has("Message") ? error.path("Message").asText() : error.path("message").asText();
    }

    // ---------------------------------------------------------------- function names

    @Test
    void functionNamesMustMatchTheModelPatternAndLength() {
        assertCreateValidation(r -> r.functionName("bad name"), "Member must satisfy regular expression pattern");
        assertCreateValidation(r -> r.functionName("a/b"), "Member must satisfy regular expression pattern");
        assertCreateValidation(r -> r.functionName("n".repeat(65)),
                "Member must have length less than or equal to 64");

        String longest = "x".repeat(64);
        CreateFunctionResponse created = create(longest);
        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.functionName()).isEqualTo(longest);
        assertThat(lambda.getFunction(r -> r.functionName(longest)).configuration().functionName()).isEqualTo(longest);
    }

    // ---------------------------------------------------------------- runtime and handler

    @Test
    void unknownRuntimeIsAValidationErrorAndAnUnsupportedOneNamesWhatKindlingRuns() {
        assertCreateValidation(r -> r.runtime("cobol9"), "Member must satisfy enum value set");
        assertCreateInvalid(r -> r.runtime(Runtime.PYTHON3_12), "python3.12");
        assertCreateInvalid(r -> r.runtime(Runtime.PYTHON3_12), "Supported runtimes: " + SUPPORTED);
    }

    @Test
    void runtimesKindlingRunsAreAccepted() {
        for (var runtime : List.of("provided.al2023", "provided.al2", "java21", "java25")) {
            String name = "runtime-" + runtime.replace('.', '-');
            String handler = runtime.startsWith("java") ? "example.Handler::handleRequest" : "bootstrap";
            CreateFunctionResponse created = lambda.createFunction(r -> valid(r, name, Zips.bootstrap(name))
                    .runtime(runtime).handler(handler));
            assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
            assertThat(created.runtimeAsString()).isEqualTo(runtime);
            assertThat(created.handler()).isEqualTo(handler);
        }
    }

    @Test
    void handlerIsMandatoryWithARuntimeAndMustBeShortAndWithoutWhitespace() {
        assertCreateInvalid(r -> r.handler(null), "Runtime and Handler are mandatory parameters");
        assertCreateValidation(r -> r.handler("my handler"), "Member must satisfy regular expression pattern: [^\\s]+");
        assertCreateValidation(r -> r.handler("h".repeat(129)), "Member must have length less than or equal to 128");
    }

    @Test
    void roleIsRequiredAndMustBeAnIamRoleArn() {
        assertCreateValidation(r -> r.role(null), "Value null at 'role' failed to satisfy constraint: Member must not be null");
        assertCreateValidation(r -> r.role("not-a-role"), "Value 'not-a-role' at 'role' failed to satisfy constraint");
        assertCreateValidation(r -> r.role("arn:aws:iam::123:role/short-account"), "Member must satisfy regular expression pattern");
    }

    // ---------------------------------------------------------------- numeric ranges and lengths

    @Test
    void memoryTimeoutStorageAndDescriptionStayWithinLambdasLimits() {
        assertCreateValidation(r -> r.memorySize(127),
                "Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
        assertCreateValidation(r -> r.memorySize(10241),
                "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240");
        assertCreateValidation(r -> r.timeout(0), "Member must have value greater than or equal to 1");
        assertCreateValidation(r -> r.timeout(901), "Member must have value less than or equal to 900");
        assertCreateValidation(r -> r.ephemeralStorage(s -> s.size(511)), "Member must have value greater than or equal to 512");
        assertCreateValidation(r -> r.ephemeralStorage(s -> s.size(10241)), "Member must have value less than or equal to 10240");
        assertCreateValidation(r -> r.description("d".repeat(257)),
                "at 'description' failed to satisfy constraint: Member must have length less than or equal to 256");

        CreateFunctionResponse smallest = lambda.createFunction(r -> valid(r, "memory-128", Zips.bootstrap("m128"))
                .memorySize(128).timeout(1).ephemeralStorage(s -> s.size(512)).description("d".repeat(256)));
        assertThat(smallest.memorySize()).isEqualTo(128);
        assertThat(smallest.timeout()).isEqualTo(1);
        assertThat(smallest.ephemeralStorage().size()).isEqualTo(512);
        assertThat(smallest.description()).hasSize(256);
        CreateFunctionResponse largest = lambda.createFunction(r -> valid(r, "memory-10240", Zips.bootstrap("m10240"))
                .memorySize(10240).timeout(900).ephemeralStorage(s -> s.size(10240)));
        assertThat(largest.memorySize()).isEqualTo(10240);
        assertThat(largest.timeout()).isEqualTo(900);
        assertThat(largest.ephemeralStorage().size()).isEqualTo(10240);
    }

    // ---------------------------------------------------------------- environment

    @Test
    void environmentRefusesReservedAndMalformedKeysAndMoreThanFourKilobytes() {
        assertCreateInvalid(r -> r.environment(e -> e.variables(Map.of("AWS_REGION", "eu-west-1"))),
                "contains reserved keys that are currently not supported for modification. Reserved keys used in this"
                        + " request: AWS_REGION");
        assertCreateValidation(r -> r.environment(e -> e.variables(Map.of("1ABC", "x"))),
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+");
        assertCreateValidation(r -> r.environment(e -> e.variables(Map.of("A", "x"))),
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+");
        assertCreateInvalid(r -> r.environment(e -> e.variables(Map.of("BIG", "v".repeat(5000)))),
                "environment variables you have provided exceeded the 4KB limit");
    }

    // ---------------------------------------------------------------- features Kindling does not have

    @Test
    void unsupportedFeaturesAreRefusedByName() {
        assertCreateInvalid(r -> r.architectures(Architecture.ARM64), "Architectures [arm64] cannot run here");
        assertCreateInvalid(r -> r.layers("arn:aws:lambda:us-east-1:123456789012:layer:tools:1"),
                "Kindling does not support Layers");
        assertCreateInvalid(r -> r.vpcConfig(v -> v.subnetIds("subnet-0123456789abcdef0").securityGroupIds("sg-0123456789abcdef0")),
                "Kindling does not support VpcConfig");
        assertCreateInvalid(r -> r.deadLetterConfig(d -> d.targetArn("arn:aws:sqs:us-east-1:123456789012:dlq")),
                "`kindling dlq ls FUNCTION`");
        assertCreateInvalid(r -> r.kmsKeyArn("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                "Kindling does not support KMSKeyArn");
    }

    @Test
    void codeMustBeAZipFileOrAnImageThatCanBeResolved() {
        assertCreateInvalid(r -> r.code(c -> c.s3Bucket("my-bucket").s3Key("code.zip")),
                "S3Bucket/S3Key code locations are not supported");
        assertCreateInvalid(r -> r.packageType(PackageType.IMAGE).runtime((String) null).handler(null)
                        .code(c -> c.imageUri("123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest")),
                "cannot be reached to pull 123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest");
        assertCreateValidation(r -> r.code((software.amazon.awssdk.services.lambda.model.FunctionCode) null),
                "Value null at 'code' failed to satisfy constraint: Member must not be null");
    }

    // ---------------------------------------------------------------- bodies the SDK would never send

    @Test
    void malformedJsonIsInvalidRequestContent() throws Exception {
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        byte[] body = ("{\"FunctionName\":\"malformed\",\"Role\":\"" + TestServer.ROLE + "\",\"Code\":{\"ZipFile\":")
                .getBytes(StandardCharsets.UTF_8);
        ValidationHttp.Answer answer = ValidationHttp.send(server.endpoint(), SdkHttpMethod.POST, "/2015-03-31/functions", body);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("x-amzn-ErrorType")).as(answer.body()).isEqualTo("InvalidRequestContentException");
        JsonNode error = new ObjectMapper().readTree(answer.body());
        assertThat(error.path("Type").asText()).isEqualTo("User");
        assertThat(errorMessage(answer)).contains("Could not parse request body into json");
        assertNothingLeftBehind(before, null, "malformed");
    }

    @Test
    void bodyDeclaredOverTheLimitIsRefusedFromItsContentLength() throws Exception {
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        // 52,428,801 zero bytes of zip: base64 alone is 69,905,068 characters, one over the limit.
        ValidationHttp.ZerosBody body = new ValidationHttp.ZerosBody("too-big-declared", 52_428_801L);
        assertThat(body.length()).isGreaterThan(69_905_067L);
        var signed = ValidationHttp.sign(server.endpoint(), SdkHttpMethod.POST, "/2015-03-31/functions", body.provider());

        ValidationHttp.Answer answer = ValidationHttp.declaredOnly(signed, body.length(), body.prefix());

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("x-amzn-ErrorType")).as(answer.body()).isEqualTo("RequestEntityTooLargeException");
        assertThat(errorMessage(answer))
                .isEqualTo("Request must be smaller than 69905067 bytes for the CreateFunction operation");
        assertNothingLeftBehind(before, null, "too-big-declared");
    }

    @Test
    void zipOverFiftyMebibytesIsRefusedWhenTheBodyIsCountedRatherThanDeclared() throws Exception {
        // No length is declared (chunked), so the server has to count. A zip of more than 52,428,800 bytes
        // cannot fit in a body under 69,905,067 bytes (its base64 alone is larger), so the body limit is what
        // refuses it, with the same 413 Lambda gives.
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        ValidationHttp.ZerosBody body = new ValidationHttp.ZerosBody("too-big-zip", 52_428_801L);
        var signed = ValidationHttp.sign(server.endpoint(), SdkHttpMethod.POST, "/2015-03-31/functions", body.provider());

        ValidationHttp.Answer answer = ValidationHttp.chunked(signed, body.open());

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("x-amzn-ErrorType")).as(answer.body()).isEqualTo("RequestEntityTooLargeException");
        assertThat(errorMessage(answer))
                .isEqualTo("Request must be smaller than 69905067 bytes for the CreateFunction operation");
        assertNothingLeftBehind(before, null, "too-big-zip");
    }

    @Test
    void bodyJustUnderTheLimitIsReadAndJudgedOnItsContent() throws Exception {
        // 52,428,600 zero bytes: the body fits, is read and parsed, and the zeros are then not a zip.
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        ValidationHttp.ZerosBody body = new ValidationHttp.ZerosBody("almost-too-big", 52_428_600L);
        assertThat(body.length()).isLessThanOrEqualTo(69_905_067L);
        var signed = ValidationHttp.sign(server.endpoint(), SdkHttpMethod.POST, "/2015-03-31/functions", body.provider());

        ValidationHttp.Answer answer = ValidationHttp.chunked(signed, body.open());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("x-amzn-ErrorType")).as(answer.body()).isEqualTo("InvalidParameterValueException");
        assertThat(errorMessage(answer))
                .contains("Could not unzip uploaded file");
        assertNothingLeftBehind(before, null, "almost-too-big");
    }

    @Test
    void validZipOfTwentyMebibytesIsAcceptedThroughTheSdk() {
        // Lambda takes direct uploads up to 50 MiB zipped; 20 MiB of incompressible content is well inside.
        byte[] blob = HostileZips.randomBytes(20 * 1024 * 1024, 7);
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755, "#!/bin/sh\necho big\n".getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("blob.bin", 0100644, blob));
        assertThat(zip.length).isGreaterThan(20 * 1024 * 1024).isLessThan(52_428_800);

        CreateFunctionResponse created = lambda.createFunction(r -> valid(r, "big-but-valid", zip));

        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.codeSize()).isEqualTo(zip.length);
        assertThat(ValidationSupport.packagePath(server.dataDir, zip)).exists();
    }

    // ---------------------------------------------------------------- UpdateFunctionConfiguration

    @Test
    void rejectedConfigurationUpdateChangesNothing() {
        create("update-target");
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("update-target"));
        var before = lambda.getFunctionConfiguration(r -> r.functionName("update-target"));

        assertValidation(() -> lambda.updateFunctionConfiguration(r -> r.functionName("update-target").memorySize(99999)),
                "Value '99999' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240");
        assertInvalidParameter(() -> lambda.updateFunctionConfiguration(r -> r.functionName("update-target")
                .environment(e -> e.variables(Map.of("AWS_REGION", "x")))), "Reserved keys used in this request: AWS_REGION");
        assertInvalidParameter(() -> lambda.updateFunctionConfiguration(r -> r.functionName("update-target")
                .runtime(Runtime.PYTHON3_12)), "Supported runtimes: " + SUPPORTED);

        var after = lambda.getFunctionConfiguration(r -> r.functionName("update-target"));
        // toString covers every member; equals would also compare the HTTP response metadata.
        assertThat(after.toString()).isEqualTo(before.toString());
        assertThat(after.memorySize()).isEqualTo(128);
        assertThat(after.revisionId()).isEqualTo(before.revisionId());
        assertThat(after.lastModified()).isEqualTo(before.lastModified());
    }

    // ---------------------------------------------------------------- aliases

    @Test
    void aliasNamesVersionsAndRoutingAreValidated() {
        String fn = "alias-target";
        create(fn);
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(fn));
        for (int i = 1; i <= 3; i++) {
            int memory = 128 + i;
            lambda.updateFunctionConfiguration(r -> r.functionName(fn).memorySize(memory));
            lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(fn));
            assertThat(lambda.publishVersion(r -> r.functionName(fn)).version()).isEqualTo(Integer.toString(i));
        }

        assertValidation(() -> lambda.createAlias(r -> r.functionName(fn).name("123").functionVersion("1")),
                "Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern");
        assertLambdaError(() -> lambda.createAlias(r -> r.functionName(fn).name("to-nine").functionVersion("9")),
                ResourceNotFoundException.class, "ResourceNotFoundException", 404,
                "Function not found: arn:aws:lambda:us-east-1:123456789012:function:alias-target:9");

        var live = lambda.createAlias(r -> r.functionName(fn).name("live").functionVersion("1"));
        assertThat(live.aliasArn()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:alias-target:live");
        assertLambdaError(() -> lambda.createAlias(r -> r.functionName(fn).name("live").functionVersion("2")),
                ResourceConflictException.class, "ResourceConflictException", 409,
                "Alias already exists: arn:aws:lambda:us-east-1:123456789012:function:alias-target:live");

        assertValidation(() -> lambda.createAlias(r -> r.functionName(fn).name("heavy").functionVersion("1")
                        .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 1.5)))),
                "Member must have value between 0.0 and 1.0");
        assertInvalidParameter(() -> lambda.createAlias(r -> r.functionName(fn).name("split").functionVersion("1")
                        .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 0.1, "3", 0.1)))),
                "Number of items in AdditionalVersionWeights cannot be greater than 1");
        assertValidation(() -> lambda.updateAlias(r -> r.functionName(fn).name("live")
                        .routingConfig(c -> c.additionalVersionWeights(Map.of("2", 1.5)))),
                "Member must have value between 0.0 and 1.0");

        var aliases = lambda.listAliases(r -> r.functionName(fn)).aliases();
        assertThat(aliases).extracting(AliasConfiguration::name).containsExactly("live");
        assertThat(aliases.getFirst().functionVersion()).isEqualTo("1");
        assertThat(aliases.getFirst().routingConfig()).isNull();
        assertThat(aliases.getFirst().revisionId()).isEqualTo(live.revisionId());
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void reservedConcurrencyIsValidatedAgainstTheAccountLimit() {
        String fn = "concurrency-target";
        create(fn);

        assertValidation(() -> lambda.putFunctionConcurrency(r -> r.functionName(fn).reservedConcurrentExecutions(-1)),
                "Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value"
                        + " greater than or equal to 0");
        assertInvalidParameter(() -> lambda.putFunctionConcurrency(r -> r.functionName(fn).reservedConcurrentExecutions(950)),
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution"
                        + " below its minimum value of [100].");
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName(fn)).reservedConcurrentExecutions()).isNull();
        assertThat(lambda.getAccountSettings(r -> {}).accountLimit().unreservedConcurrentExecutions()).isEqualTo(1000);

        assertThat(lambda.putFunctionConcurrency(r -> r.functionName(fn).reservedConcurrentExecutions(900))
                .reservedConcurrentExecutions()).isEqualTo(900);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName(fn)).reservedConcurrentExecutions()).isEqualTo(900);
        assertThat(lambda.getAccountSettings(r -> {}).accountLimit().unreservedConcurrentExecutions()).isEqualTo(100);

        lambda.deleteFunctionConcurrency(r -> r.functionName(fn));
        assertThat(lambda.getAccountSettings(r -> {}).accountLimit().unreservedConcurrentExecutions()).isEqualTo(1000);
    }

    // ---------------------------------------------------------------- listing

    @Test
    void listFunctionsValidatesMaxItemsAndMarker() {
        assertValidation(() -> lambda.listFunctions(r -> r.maxItems(0)), "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
        assertValidation(() -> lambda.listFunctions(r -> r.maxItems(10001)),
                "Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000");
        assertInvalidParameter(() -> lambda.listFunctions(r -> r.marker("not a marker!")), "Invalid Marker");
        assertThat(lambda.listFunctions(r -> r.maxItems(10000)).sdkHttpResponse().statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- the data directory after all this

    @Test
    void stagingIsEmptyBetweenRequests() throws Exception {
        assertThat(Files.isDirectory(server.dataDir.resolve("staging"))).isTrue();
        assertThat(ValidationSupport.files(server.dataDir.resolve("staging"))).isEmpty();
    }
}
