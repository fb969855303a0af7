package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;

/** Functions and versions through the real SDK: create, read in every name form, update, publish, delete. */
class FunctionLifecycleTest extends ServerTest {

    static CreateFunctionResponse create(String name, byte[] zip) {
        return lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(zip))));
    }

    static String sha256Base64(byte[] bytes) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static void awaitActive(String name) {
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    static void awaitUpdated(String name) {
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
    }

    @Test
    void createReportsPendingThenTheActiveWaiterSeesActive() throws Exception {
        byte[] zip = Zips.bootstrap("create");
        CreateFunctionResponse created = lambda.createFunction(r -> r.functionName("create-me")
                .runtime(Runtime.PROVIDED_AL2023).handler("bootstrap").role(TestServer.ROLE).description("first")
                .memorySize(256).timeout(30).environment(e -> e.variables(Map.of("GREETING", "hi")))
                .ephemeralStorage(s -> s.size(1024)).tags(Map.of("team", "core"))
                .code(c -> c.zipFile(Zips.sdk(zip))));

        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.functionName()).isEqualTo("create-me");
        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:create-me");
        assertThat(created.codeSha256()).isEqualTo(sha256Base64(zip));
        assertThat(created.codeSize()).isEqualTo(zip.length);
        assertThat(created.version()).isEqualTo("$LATEST");
        assertThat(created.state()).isEqualTo(State.PENDING);
        assertThat(created.stateReasonCodeAsString()).isEqualTo("Creating");
        assertThat(created.memorySize()).isEqualTo(256);
        assertThat(created.timeout()).isEqualTo(30);
        assertThat(created.description()).isEqualTo("first");
        assertThat(created.environment().variables()).containsEntry("GREETING", "hi");
        assertThat(created.ephemeralStorage().size()).isEqualTo(1024);
        assertThat(created.packageType()).isEqualTo(PackageType.ZIP);
        assertThat(created.architectures()).containsExactly(Architecture.X86_64);
        assertThat(created.revisionId()).matches("[0-9a-f-]{36}");
        assertThat(created.lastModified()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+0000");

        GetFunctionResponse active = lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("create-me"))
                .matched().response().orElseThrow();
        assertThat(active.configuration().state()).isEqualTo(State.ACTIVE);
        assertThat(active.configuration().lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);
        assertThat(active.tags()).containsEntry("team", "core");
        assertThat(active.code().repositoryType()).isEqualTo("S3");
        assertThat(active.code().location()).startsWith(server.endpoint() + "/kindling/code/");
    }

    @Test
    void codeLocationDownloadsTheExactPackageWithoutCredentials() throws Exception {
        byte[] zip = Zips.bootstrap("download");
        create("download-me", zip);
        String location = lambda.getFunction(r -> r.functionName("download-me")).code().location();
        var http = java.net.http.HttpClient.newHttpClient();
        var got = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(location)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(zip);
        var forged = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(location.replace("Signature=", "Signature=0"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(forged.statusCode()).isEqualTo(403);
    }

    @Test
    void everyFunctionNameFormResolvesTheSameFunction() {
        create("forms", Zips.bootstrap("forms"));
        awaitActive("forms");
        lambda.publishVersion(r -> r.functionName("forms"));
        String arn = "arn:aws:lambda:us-east-1:123456789012:function:forms";
        for (String form : List.of("forms", arn, "123456789012:function:forms")) {
            var c = lambda.getFunctionConfiguration(r -> r.functionName(form));
            assertThat(c.functionName()).isEqualTo("forms");
            assertThat(c.functionArn()).isEqualTo(arn);
            assertThat(c.version()).isEqualTo("$LATEST");
        }
        for (String form : List.of("forms:1", arn + ":1", "123456789012:function:forms:1")) {
            var c = lambda.getFunctionConfiguration(r -> r.functionName(form));
            assertThat(c.version()).isEqualTo("1");
            assertThat(c.functionArn()).isEqualTo(arn + ":1");
        }
        assertThat(lambda.getFunction(r -> r.functionName("forms").qualifier("1")).configuration().version()).isEqualTo("1");
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("forms").qualifier("$LATEST")).functionArn())
                .isEqualTo(arn + ":$LATEST");
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("forms:1").qualifier("2")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("The derived qualifier from the function name does not match the specified qualifier.");
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("arn:aws:lambda:eu-west-1:123456789012:function:forms")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("999999999999:function:forms")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void missingFunctionsVersionsAndAliasesAreResourceNotFound() {
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("nope")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
        create("versionless", Zips.bootstrap("v"));
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("versionless").qualifier("7")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("function:versionless:7");
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("versionless").qualifier("live")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> lambda.deleteFunction(r -> r.functionName("nope")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void creatingAnExistingFunctionIsAConflictAndChangesNothing() {
        CreateFunctionResponse first = create("twice", Zips.bootstrap("one"));
        assertThatThrownBy(() -> create("twice", Zips.bootstrap("two")))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageContaining("Function already exist: twice");
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("twice")).codeSha256()).isEqualTo(first.codeSha256());
    }

    @Test
    void updatesChangeRevisionAndHonourRevisionPreconditions() throws Exception {
        CreateFunctionResponse created = create("updatable", Zips.bootstrap("u1"));
        awaitActive("updatable");

        assertThatThrownBy(() -> lambda.updateFunctionConfiguration(r -> r.functionName("updatable").memorySize(512)
                .revisionId("00000000-0000-0000-0000-000000000000")))
                .isInstanceOf(PreconditionFailedException.class)
                .satisfies(e -> assertThat(((PreconditionFailedException) e).statusCode()).isEqualTo(412));

        var configured = lambda.updateFunctionConfiguration(r -> r.functionName("updatable").memorySize(512).timeout(60)
                .handler("other").description("second").revisionId(created.revisionId())
                .environment(e -> e.variables(Map.of("AB", "1"))));
        assertThat(configured.memorySize()).isEqualTo(512);
        assertThat(configured.timeout()).isEqualTo(60);
        assertThat(configured.handler()).isEqualTo("other");
        assertThat(configured.runtimeAsString()).isEqualTo("provided.al2023");
        assertThat(configured.revisionId()).isNotEqualTo(created.revisionId());
        awaitUpdated("updatable");

        byte[] zip2 = Zips.bootstrap("u2");
        var updated = lambda.updateFunctionCode(r -> r.functionName("updatable").zipFile(Zips.sdk(zip2))
                .revisionId(configured.revisionId()));
        assertThat(updated.codeSha256()).isEqualTo(sha256Base64(zip2));
        assertThat(updated.lastUpdateStatus()).isEqualTo(LastUpdateStatus.IN_PROGRESS);
        assertThat(updated.memorySize()).isEqualTo(512);
        GetFunctionResponse done = lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("updatable"))
                .matched().response().orElseThrow();
        assertThat(done.configuration().lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);
        assertThat(done.configuration().codeSha256()).isEqualTo(sha256Base64(zip2));
        assertThat(done.configuration().environment().variables()).containsEntry("AB", "1");

        var stale = lambda.updateFunctionCode(r -> r.functionName("updatable").zipFile(Zips.sdk(Zips.bootstrap("dry")))
                .dryRun(true));
        assertThat(stale.codeSha256()).isEqualTo(sha256Base64(zip2));
    }

    @Test
    void anUpdateWhileAnotherIsInProgressIsAConflict() {
        create("busy", Zips.bootstrap("b"));
        // Still Pending: the create has not settled, so Lambda refuses further changes.
        var conflict = org.assertj.core.api.Assertions.catchThrowable(() ->
                lambda.updateFunctionConfiguration(r -> r.functionName("busy").memorySize(256)));
        if (conflict != null) {
            assertThat(conflict).isInstanceOf(ResourceConflictException.class)
                    .hasMessageContaining("An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:busy");
        }
        awaitActive("busy");
        assertThat(lambda.updateFunctionConfiguration(r -> r.functionName("busy").memorySize(256)).memorySize()).isEqualTo(256);
    }

    @Test
    void publishingSnapshotsLatestAndVersionsAreImmutable() throws Exception {
        byte[] zip = Zips.bootstrap("p1");
        create("publisher", zip);
        awaitActive("publisher");
        PublishVersionResponse v1 = lambda.publishVersion(r -> r.functionName("publisher").description("one"));
        assertThat(v1.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v1.functionArn()).endsWith(":function:publisher:1");
        assertThat(v1.description()).isEqualTo("one");
        assertThat(v1.state()).isEqualTo(State.ACTIVE);

        // Nothing changed since version 1: Lambda returns version 1 instead of publishing 2.
        assertThat(lambda.publishVersion(r -> r.functionName("publisher")).version()).isEqualTo("1");

        assertThatThrownBy(() -> lambda.publishVersion(r -> r.functionName("publisher").codeSha256("AAAA")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("CodeSHA256");
        assertThatThrownBy(() -> lambda.publishVersion(r -> r.functionName("publisher").revisionId("stale")))
                .isInstanceOf(PreconditionFailedException.class);

        lambda.updateFunctionConfiguration(r -> r.functionName("publisher").memorySize(1024));
        awaitUpdated("publisher");
        String sha = sha256Base64(zip);
        PublishVersionResponse v2 = lambda.publishVersion(r -> r.functionName("publisher").codeSha256(sha));
        assertThat(v2.version()).isEqualTo("2");
        assertThat(v2.memorySize()).isEqualTo(1024);
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("publisher").qualifier("1")).memorySize())
                .isEqualTo(128);

        var versions = lambda.listVersionsByFunction(r -> r.functionName("publisher")).versions();
        assertThat(versions).extracting(FunctionConfiguration::version).containsExactly("$LATEST", "1", "2");
        assertThat(versions.getFirst().functionArn()).endsWith(":publisher:$LATEST");
        var page = lambda.listVersionsByFunction(r -> r.functionName("publisher").maxItems(2));
        assertThat(page.versions()).hasSize(2);
        assertThat(page.nextMarker()).isNotNull();
        assertThat(lambda.listVersionsByFunction(r -> r.functionName("publisher").marker(page.nextMarker())).versions())
                .extracting(FunctionConfiguration::version).containsExactly("2");

        // Create with Publish=true returns version 1 directly.
        var published = lambda.createFunction(r -> r.functionName("born-published").runtime(Runtime.PROVIDED_AL2023)
                .handler("bootstrap").role(TestServer.ROLE).publish(true).code(c -> c.zipFile(Zips.sdk(zip))));
        assertThat(published.version()).isEqualTo("1");
        lambda.waiter().waitUntilPublishedVersionActive(r -> r.functionName("born-published").qualifier("1"));
    }

    @Test
    void deletingVersionsAndFunctions() {
        create("deletable", Zips.bootstrap("d"));
        awaitActive("deletable");
        lambda.publishVersion(r -> r.functionName("deletable"));
        lambda.createAlias(r -> r.functionName("deletable").name("live").functionVersion("1"));

        assertThatThrownBy(() -> lambda.deleteFunction(r -> r.functionName("deletable").qualifier("$LATEST")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("$LATEST version cannot be deleted without deleting the function");
        assertThatThrownBy(() -> lambda.deleteFunction(r -> r.functionName("deletable").qualifier("1")))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining("live");

        lambda.deleteAlias(r -> r.functionName("deletable").name("live"));
        var deleted = lambda.deleteFunction(r -> r.functionName("deletable").qualifier("1"));
        assertThat(deleted.sdkHttpResponse().statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("deletable:1")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThat(lambda.getFunction(r -> r.functionName("deletable")).configuration().version()).isEqualTo("$LATEST");

        lambda.deleteFunction(r -> r.functionName("deletable"));
        assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("deletable")))
                .isInstanceOf(ResourceNotFoundException.class);
        create("exists", Zips.bootstrap("e"));
        assertThat(lambda.waiter().waitUntilFunctionExists(r -> r.functionName("exists")).matched().response()).isPresent();
    }
}
