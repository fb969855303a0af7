package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real AWS CLI (botocore's signer, its own JSON parsing and waiters) against an in-process
 * server, one Lambda command after another.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("clis")
class AwsCliTest {
    private static final String ARN_PREFIX = "arn:aws:lambda:" + TestServer.REGION + ":" + TestServer.ACCOUNT + ":function:";

    @TempDir
    static Path dir;

    @Parameter
    String executable;

    private static TestServer server;
    private static AwsCli aws;
    private static byte[] firstZip;
    private static byte[] secondZip;
    private static String firstZipFile;
    private static String secondZipFile;

    static List<String> clis() {
        return AwsCli.executables();
    }

    /** A fresh server per CLI, in its own directory, so each CLI starts from an empty account. */
    @BeforeParameterizedClassInvocation
    static void start(String executable) throws Exception {
        Path home = Files.createTempDirectory(dir, "cli-");
        server = TestServer.start(home);
        aws = AwsCli.forServer(executable, server, home);
        firstZip = Zips.bootstrap("first");
        secondZip = Zips.bootstrap("second");
        firstZipFile = "fileb://" + Files.write(home.resolve("first.zip"), firstZip).toAbsolutePath();
        secondZipFile = "fileb://" + Files.write(home.resolve("second.zip"), secondZip).toAbsolutePath();
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Test
    void createsAContainerImageFunctionAsTheReadmeShows() throws Exception {
        Path home = Files.createTempDirectory(dir, "image-");
        try (var registry = io.kindling.chunks.oci.registry.LocalRegistry.start(home)) {
            String uri = TestImages.push(registry, home, "echo:v1", new TestImages.Config(List.of("/var/task/bootstrap"),
                    List.of(), List.of("PATH=/usr/bin:/bin"), "/var/task", ""), layout -> List.of(
                    TestImages.blob(layout, home, TestImages.hostUserland()),
                    TestImages.blob(layout, home, new io.kindling.chunks.oci.layers.TestLayer().dir("var")
                            .dir("var/task").file("var/task/bootstrap", ProvidedRuntimeBootstraps.SWISS_ARMY
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755, 0, 0))));
            String name = "cli-image-" + (executable.hashCode() & 0xffff);

            JsonNode created = aws.json("create-function", "--function-name", name, "--package-type", "Image",
                    "--code", "ImageUri=" + uri, "--image-config", "{\"Command\":[\"handler.name\"]}",
                    "--role", TestServer.ROLE);
            assertThat(created.path("PackageType").asText()).isEqualTo("Image");
            aws.ok("wait", "function-active-v2", "--function-name", name);

            JsonNode got = aws.json("get-function", "--function-name", name);
            assertThat(got.path("Code").path("ImageUri").asText()).isEqualTo(uri);
            assertThat(got.path("Code").path("ResolvedImageUri").asText())
                    .isEqualTo(registry.address() + "/echo@sha256:" + created.path("CodeSha256").asText());
            assertThat(got.path("Configuration").path("ImageConfigResponse").path("ImageConfig").path("Command")
                    .get(0).asText()).isEqualTo("handler.name");
            assertThat(got.path("Configuration").path("State").asText()).isEqualTo("Active");
        }
    }

    @Test
    void createGetAndListAFunction() throws Exception {
        JsonNode created = aws.json("create-function", "--function-name", "cli-create",
                "--runtime", "provided.al2023", "--handler", "bootstrap", "--role", TestServer.ROLE,
                "--zip-file", firstZipFile, "--description", "made by the aws cli", "--timeout", "10");

        assertThat(created.path("FunctionName").asText()).isEqualTo("cli-create");
        assertThat(created.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-create");
        assertThat(created.path("Runtime").asText()).isEqualTo("provided.al2023");
        assertThat(created.path("Handler").asText()).isEqualTo("bootstrap");
        assertThat(created.path("Role").asText()).isEqualTo(TestServer.ROLE);
        assertThat(created.path("Description").asText()).isEqualTo("made by the aws cli");
        assertThat(created.path("Timeout").asInt()).isEqualTo(10);
        assertThat(created.path("MemorySize").asInt()).isEqualTo(128);
        assertThat(created.path("Version").asText()).isEqualTo("$LATEST");
        assertThat(created.path("PackageType").asText()).isEqualTo("Zip");
        assertThat(created.path("CodeSha256").asText()).isEqualTo(sha256Base64(firstZip));
        assertThat(created.path("CodeSize").asLong()).isEqualTo(firstZip.length);

        // The CLI's own waiter polls GetFunction until Configuration.State is Active.
        aws.ok("wait", "function-active-v2", "--function-name", "cli-create");

        JsonNode function = aws.json("get-function", "--function-name", "cli-create");
        assertThat(function.path("Configuration").path("FunctionName").asText()).isEqualTo("cli-create");
        assertThat(function.path("Configuration").path("State").asText()).isEqualTo("Active");
        assertThat(function.path("Configuration").path("LastUpdateStatus").asText()).isEqualTo("Successful");
        assertThat(function.path("Configuration").path("CodeSha256").asText()).isEqualTo(sha256Base64(firstZip));
        assertThat(function.path("Code").path("RepositoryType").asText()).isEqualTo("S3");
        String location = function.path("Code").path("Location").asText();
        assertThat(location).startsWith("http");
        HttpResponse<byte[]> download = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).as("GET Code.Location %s", location).isEqualTo(200);
        assertThat(download.body()).as("the package behind Code.Location").isEqualTo(firstZip);

        JsonNode configuration = aws.json("get-function-configuration", "--function-name", "cli-create");
        assertThat(configuration.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-create");
        assertThat(configuration.path("Version").asText()).isEqualTo("$LATEST");
        assertThat(configuration.path("State").asText()).isEqualTo("Active");
        assertThat(configuration.path("CodeSha256").asText()).isEqualTo(sha256Base64(firstZip));

        JsonNode qualified = aws.json("get-function-configuration", "--function-name", "cli-create",
                "--qualifier", "$LATEST");
        assertThat(qualified.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-create:$LATEST");
        assertThat(qualified.path("Version").asText()).isEqualTo("$LATEST");

        JsonNode byArn = aws.json("get-function-configuration", "--function-name", ARN_PREFIX + "cli-create");
        assertThat(byArn.path("FunctionName").asText()).isEqualTo("cli-create");

        JsonNode list = aws.json("list-functions");
        assertThat(names(list.path("Functions"), "FunctionName")).contains("cli-create");
        JsonNode listed = find(list.path("Functions"), "FunctionName", "cli-create");
        assertThat(listed.path("CodeSha256").asText()).isEqualTo(sha256Base64(firstZip));
        assertThat(listed.path("Runtime").asText()).isEqualTo("provided.al2023");
    }

    @Test
    void updateConfigurationAndCodeWithTheCliWaiters() {
        createActive("cli-update");

        JsonNode updated = aws.json("update-function-configuration", "--function-name", "cli-update",
                "--memory-size", "256");
        assertThat(updated.path("MemorySize").asInt()).isEqualTo(256);
        // The CLI's own waiter polls GetFunction until Configuration.LastUpdateStatus is Successful.
        aws.ok("wait", "function-updated-v2", "--function-name", "cli-update");

        JsonNode configuration = aws.json("get-function-configuration", "--function-name", "cli-update");
        assertThat(configuration.path("MemorySize").asInt()).isEqualTo(256);
        assertThat(configuration.path("LastUpdateStatus").asText()).isEqualTo("Successful");
        assertThat(configuration.path("State").asText()).isEqualTo("Active");

        JsonNode newCode = aws.json("update-function-code", "--function-name", "cli-update",
                "--zip-file", secondZipFile);
        assertThat(newCode.path("CodeSha256").asText()).isEqualTo(sha256Base64(secondZip));
        assertThat(newCode.path("CodeSize").asLong()).isEqualTo(secondZip.length);
        assertThat(newCode.path("MemorySize").asInt()).as("settings survive a code update").isEqualTo(256);
        aws.ok("wait", "function-updated-v2", "--function-name", "cli-update");

        JsonNode afterCode = aws.json("get-function", "--function-name", "cli-update");
        assertThat(afterCode.path("Configuration").path("CodeSha256").asText()).isEqualTo(sha256Base64(secondZip));
        assertThat(afterCode.path("Configuration").path("LastUpdateStatus").asText()).isEqualTo("Successful");
        assertThat(afterCode.path("Configuration").path("MemorySize").asInt()).isEqualTo(256);
    }

    @Test
    void publishListAndDeleteVersions() {
        createActive("cli-versions");
        aws.json("update-function-configuration", "--function-name", "cli-versions", "--memory-size", "256");
        aws.ok("wait", "function-updated-v2", "--function-name", "cli-versions");

        JsonNode one = aws.json("publish-version", "--function-name", "cli-versions", "--description", "first");
        assertThat(one.path("Version").asText()).isEqualTo("1");
        assertThat(one.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-versions:1");
        assertThat(one.path("Description").asText()).isEqualTo("first");
        assertThat(one.path("MemorySize").asInt()).isEqualTo(256);
        assertThat(one.path("CodeSha256").asText()).isEqualTo(sha256Base64(firstZip));
        aws.ok("wait", "published-version-active", "--function-name", "cli-versions", "--qualifier", "1");

        aws.json("update-function-code", "--function-name", "cli-versions", "--zip-file", secondZipFile);
        aws.ok("wait", "function-updated-v2", "--function-name", "cli-versions");
        JsonNode two = aws.json("publish-version", "--function-name", "cli-versions",
                "--code-sha256", sha256Base64(secondZip));
        assertThat(two.path("Version").asText()).isEqualTo("2");
        assertThat(two.path("CodeSha256").asText()).isEqualTo(sha256Base64(secondZip));

        JsonNode versionOne = aws.json("get-function-configuration", "--function-name", "cli-versions",
                "--qualifier", "1");
        assertThat(versionOne.path("Version").asText()).isEqualTo("1");
        assertThat(versionOne.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-versions:1");
        assertThat(versionOne.path("MemorySize").asInt()).isEqualTo(256);
        assertThat(versionOne.path("CodeSha256").asText()).as("a version keeps its code").isEqualTo(sha256Base64(firstZip));

        JsonNode versions = aws.json("list-versions-by-function", "--function-name", "cli-versions");
        assertThat(names(versions.path("Versions"), "Version")).containsExactly("$LATEST", "1", "2");

        aws.ok("delete-function", "--function-name", "cli-versions", "--qualifier", "1");
        assertNotFound(aws.lambda("get-function-configuration", "--function-name", "cli-versions", "--qualifier", "1"),
                "cli-versions:1");
        assertThat(names(aws.json("list-versions-by-function", "--function-name", "cli-versions").path("Versions"),
                "Version")).containsExactly("$LATEST", "2");
        assertThat(aws.json("get-function", "--function-name", "cli-versions")
                .path("Configuration").path("Version").asText()).isEqualTo("$LATEST");
    }

    @Test
    void aliasLifecycle() {
        createActive("cli-alias");
        aws.json("publish-version", "--function-name", "cli-alias");

        JsonNode created = aws.json("create-alias", "--function-name", "cli-alias", "--name", "live",
                "--function-version", "1", "--description", "points at 1");
        assertThat(created.path("Name").asText()).isEqualTo("live");
        assertThat(created.path("AliasArn").asText()).isEqualTo(ARN_PREFIX + "cli-alias:live");
        assertThat(created.path("FunctionVersion").asText()).isEqualTo("1");
        assertThat(created.path("Description").asText()).isEqualTo("points at 1");
        assertThat(created.path("RevisionId").asText()).isNotBlank();

        JsonNode got = aws.json("get-alias", "--function-name", "cli-alias", "--name", "live");
        assertThat(got.path("AliasArn").asText()).isEqualTo(ARN_PREFIX + "cli-alias:live");
        assertThat(got.path("FunctionVersion").asText()).isEqualTo("1");
        assertThat(got.path("RevisionId").asText()).isEqualTo(created.path("RevisionId").asText());

        JsonNode updated = aws.json("update-alias", "--function-name", "cli-alias", "--name", "live",
                "--function-version", "$LATEST", "--description", "moved");
        assertThat(updated.path("FunctionVersion").asText()).isEqualTo("$LATEST");
        assertThat(updated.path("Description").asText()).isEqualTo("moved");
        assertThat(updated.path("RevisionId").asText()).isNotEqualTo(created.path("RevisionId").asText());

        JsonNode throughAlias = aws.json("get-function-configuration", "--function-name", "cli-alias",
                "--qualifier", "live");
        assertThat(throughAlias.path("Version").asText()).isEqualTo("$LATEST");

        JsonNode aliases = aws.json("list-aliases", "--function-name", "cli-alias");
        assertThat(aliases.path("Aliases")).hasSize(1);
        assertThat(aliases.path("Aliases").get(0).path("Name").asText()).isEqualTo("live");
        assertThat(aliases.path("Aliases").get(0).path("FunctionVersion").asText()).isEqualTo("$LATEST");

        AwsCli.Result deleted = aws.ok("delete-alias", "--function-name", "cli-alias", "--name", "live");
        assertThat(deleted.stdout()).as("DeleteAlias answers 204 without a body").isBlank();
        assertThat(aws.json("list-aliases", "--function-name", "cli-alias").path("Aliases")).isEmpty();
        AwsCli.Result gone = aws.lambda("get-alias", "--function-name", "cli-alias", "--name", "live");
        assertServiceError(gone, "ResourceNotFoundException");
        assertThat(gone.stderr()).as(gone.toString()).contains("Alias not found: " + ARN_PREFIX + "cli-alias:live");
    }

    @Test
    void reservedConcurrencyAndAccountSettings() {
        createActive("cli-concurrency");
        JsonNode before = aws.json("get-account-settings");
        assertThat(before.path("AccountLimit").path("ConcurrentExecutions").asInt()).isEqualTo(1000);
        assertThat(before.path("AccountLimit").path("TotalCodeSize").asLong()).isEqualTo(80_530_636_800L);
        assertThat(before.path("AccountLimit").path("CodeSizeZipped").asLong()).isEqualTo(52_428_800L);
        assertThat(before.path("AccountLimit").path("CodeSizeUnzipped").asLong()).isEqualTo(262_144_000L);
        assertThat(before.path("AccountUsage").path("FunctionCount").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(before.path("AccountUsage").path("TotalCodeSize").asLong()).isGreaterThanOrEqualTo(firstZip.length);
        int unreserved = before.path("AccountLimit").path("UnreservedConcurrentExecutions").asInt();

        JsonNode put = aws.json("put-function-concurrency", "--function-name", "cli-concurrency",
                "--reserved-concurrent-executions", "7");
        assertThat(put.path("ReservedConcurrentExecutions").asInt()).isEqualTo(7);
        assertThat(aws.json("get-function-concurrency", "--function-name", "cli-concurrency")
                .path("ReservedConcurrentExecutions").asInt()).isEqualTo(7);
        assertThat(aws.json("get-function", "--function-name", "cli-concurrency")
                .path("Concurrency").path("ReservedConcurrentExecutions").asInt()).isEqualTo(7);
        assertThat(aws.json("get-account-settings").path("AccountLimit").path("UnreservedConcurrentExecutions").asInt())
                .isEqualTo(unreserved - 7);

        AwsCli.Result deleted = aws.ok("delete-function-concurrency", "--function-name", "cli-concurrency");
        assertThat(deleted.stdout()).isBlank();
        assertThat(aws.json("get-function-concurrency", "--function-name", "cli-concurrency")
                .has("ReservedConcurrentExecutions")).isFalse();
        assertThat(aws.json("get-account-settings").path("AccountLimit").path("UnreservedConcurrentExecutions").asInt())
                .isEqualTo(unreserved);
    }

    @Test
    void eventInvokeConfigWithAnOnFailureDestination() {
        createActive("cli-async");
        JsonNode put = aws.json("put-function-event-invoke-config", "--function-name", "cli-async",
                "--maximum-retry-attempts", "1", "--destination-config",
                "{\"OnFailure\":{\"Destination\":\"" + ARN_PREFIX + "cli-failures\"}}");
        assertThat(put.path("FunctionArn").asText()).isEqualTo(ARN_PREFIX + "cli-async:$LATEST");
        assertThat(put.path("MaximumRetryAttempts").asInt()).isEqualTo(1);
        assertThat(put.path("DestinationConfig").path("OnFailure").path("Destination").asText())
                .isEqualTo(ARN_PREFIX + "cli-failures");
        // botocore parses the epoch-seconds number as a timestamp; it prints it in its own format.
        assertThat(put.path("LastModified").asText()).isNotBlank();

        JsonNode updated = aws.json("update-function-event-invoke-config", "--function-name", "cli-async",
                "--maximum-event-age-in-seconds", "3600");
        assertThat(updated.path("MaximumRetryAttempts").asInt()).isEqualTo(1);
        assertThat(updated.path("MaximumEventAgeInSeconds").asInt()).isEqualTo(3600);

        AwsCli.Result sqs = aws.lambda("put-function-event-invoke-config", "--function-name", "cli-async",
                "--destination-config", "{\"OnFailure\":{\"Destination\":\"arn:aws:sqs:us-east-1:123456789012:q\"}}");
        assertServiceError(sqs, "InvalidParameterValueException");
        assertThat(sqs.stderr()).contains("an SQS queue");

        assertThat(aws.json("list-function-event-invoke-configs", "--function-name", "cli-async")
                .path("FunctionEventInvokeConfigs")).hasSize(1);
        aws.ok("delete-function-event-invoke-config", "--function-name", "cli-async");
        assertServiceError(aws.lambda("get-function-event-invoke-config", "--function-name", "cli-async"),
                "ResourceNotFoundException");
    }

    @Test
    void tagAndUntagAFunction() {
        createActive("cli-tags");
        String arn = ARN_PREFIX + "cli-tags";

        AwsCli.Result tagged = aws.ok("tag-resource", "--resource", arn, "--tags", "team=kindling,stage=test");
        assertThat(tagged.stdout()).isBlank();
        assertThat(tags(aws.json("list-tags", "--resource", arn)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("team", "kindling", "stage", "test"));
        assertThat(tags(aws.json("get-function", "--function-name", "cli-tags")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("team", "kindling", "stage", "test"));

        aws.ok("untag-resource", "--resource", arn, "--tag-keys", "stage");
        assertThat(tags(aws.json("list-tags", "--resource", arn))).containsExactlyInAnyOrderEntriesOf(Map.of("team", "kindling"));
    }

    @Test
    void deleteAFunction() {
        createActive("cli-delete");
        aws.json("publish-version", "--function-name", "cli-delete");

        // DeleteFunction answers 204 without a body. Newer CLI models (2026) surface the status as
        // StatusCode; older ones (Debian's v2.9) print nothing.
        JsonNode deleted = aws.json("delete-function", "--function-name", "cli-delete");
        if (deleted.has("StatusCode")) {
            assertThat(deleted.path("StatusCode").asInt()).isEqualTo(204);
        } else {
            assertThat(deleted.isEmpty()).as(deleted.toString()).isTrue();
        }

        assertNotFound(aws.lambda("get-function", "--function-name", "cli-delete"), "cli-delete");
        assertNotFound(aws.lambda("get-function-configuration", "--function-name", "cli-delete", "--qualifier", "1"),
                "cli-delete");
        assertThat(names(aws.json("list-functions").path("Functions"), "FunctionName")).doesNotContain("cli-delete");
    }

    @Test
    void missingFunctionIsAResourceNotFoundError() {
        AwsCli.Result result = aws.lambda("get-function", "--function-name", "cli-never-created");

        assertNotFound(result, "cli-never-created");
        assertThat(result.stderr()).as(result.toString()).contains("when calling the GetFunction operation");
    }

    @Test
    void wrongSecretIsAnInvalidSignatureError() {
        AwsCli.Result result = aws.withCredentials(TestServer.ACCESS_KEY, "not/the/secret/key/0123456789abcdefghij")
                .lambda("list-functions");

        assertServiceError(result, "InvalidSignatureException");
        assertThat(result.stderr()).as(result.toString()).contains("The request signature we calculated does not match");
    }

    @Test
    void unknownAccessKeyIsAnUnrecognizedClientError() {
        AwsCli.Result result = aws.withCredentials("AKIAUNKNOWNKEY000001", TestServer.SECRET_KEY).lambda("list-functions");

        assertServiceError(result, "UnrecognizedClientException");
        assertThat(result.stderr()).as(result.toString()).contains("The security token included in the request is invalid.");
    }

    // ---------------------------------------------------------------- helpers

    private static void createActive(String name) {
        JsonNode created = aws.json("create-function", "--function-name", name, "--runtime", "provided.al2023",
                "--handler", "bootstrap", "--role", TestServer.ROLE, "--zip-file", firstZipFile);
        assertThat(created.path("FunctionName").asText()).isEqualTo(name);
        aws.ok("wait", "function-active-v2", "--function-name", name);
    }

    /** CLI v1 exits 255 on a service error, v2 254; the error code is in stderr either way. */
    private static void assertServiceError(AwsCli.Result result, String errorCode) {
        assertThat(result.exitCode()).as(result.toString()).isIn(254, 255);
        assertThat(result.stderr()).as(result.toString()).contains("(" + errorCode + ")");
        assertThat(result.stdout()).as(result.toString()).isBlank();
    }

    private static void assertNotFound(AwsCli.Result result, String function) {
        assertServiceError(result, "ResourceNotFoundException");
        assertThat(result.stderr()).as(result.toString()).contains("Function not found: " + ARN_PREFIX + function);
    }

    private static List<String> names(JsonNode array, String field) {
        List<String> names = new ArrayList<>();
        array.forEach(item -> names.add(item.path(field).asText()));
        return names;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode item : array) {
            if (item.path(field).asText().equals(value)) {
                return item;
            }
        }
        throw new AssertionError("no item with " + field + "=" + value + " in " + array);
    }

    private static Map<String, String> tags(JsonNode response) {
        Map<String, String> tags = new TreeMap<>();
        response.path("Tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
        return tags;
    }

    private static String sha256Base64(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
