package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.model.AliasConfiguration;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** Aliases, reserved concurrency, account settings and tags through the real SDK. */
class AliasesTagsConcurrencyTest extends ServerTest {

    static void createWithVersions(String name, int versions) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(Zips.bootstrap(name)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        for (int i = 1; i <= versions; i++) {
            int memory = 128 + i;
            lambda.updateFunctionConfiguration(r -> r.functionName(name).memorySize(memory));
            lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
            lambda.publishVersion(r -> r.functionName(name));
        }
    }

    @Test
    void aliasLifecycleWithRoutingAndRevisions() {
        createWithVersions("aliased", 2);
        var created = lambda.createAlias(r -> r.functionName("aliased").name("live").functionVersion("1")
                .description("production"));
        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.aliasArn()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:aliased:live");
        assertThat(created.functionVersion()).isEqualTo("1");
        assertThat(created.revisionId()).isNotBlank();

        var got = lambda.getAlias(r -> r.functionName("aliased").name("live"));
        assertThat(got.description()).isEqualTo("production");

        // The alias resolves to its version wherever a qualifier is accepted.
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("aliased:live")).version()).isEqualTo("1");
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("aliased:live")).memorySize()).isEqualTo(129);

        assertThatThrownBy(() -> lambda.updateAlias(r -> r.functionName("aliased").name("live").functionVersion("2")
                .revisionId("stale"))).isInstanceOf(PreconditionFailedException.class);
        var updated = lambda.updateAlias(r -> r.functionName("aliased").name("live").functionVersion("2")
                .revisionId(created.revisionId())
                .routingConfig(rc -> rc.additionalVersionWeights(Map.of("1", 0.25))));
        assertThat(updated.functionVersion()).isEqualTo("2");
        assertThat(updated.description()).isEqualTo("production");
        assertThat(updated.routingConfig().additionalVersionWeights()).containsEntry("1", 0.25);
        assertThat(updated.revisionId()).isNotEqualTo(created.revisionId());

        lambda.createAlias(r -> r.functionName("aliased").name("beta").functionVersion("$LATEST"));
        lambda.createAlias(r -> r.functionName("aliased").name("canary").functionVersion("2"));
        assertThat(lambda.listAliases(r -> r.functionName("aliased")).aliases())
                .extracting(AliasConfiguration::name).containsExactly("beta", "canary", "live");
        assertThat(lambda.listAliases(r -> r.functionName("aliased").functionVersion("2")).aliases())
                .extracting(AliasConfiguration::name).containsExactly("canary", "live");
        var first = lambda.listAliases(r -> r.functionName("aliased").maxItems(2));
        assertThat(first.aliases()).hasSize(2);
        assertThat(lambda.listAliases(r -> r.functionName("aliased").marker(first.nextMarker())).aliases())
                .extracting(AliasConfiguration::name).containsExactly("live");

        var deleted = lambda.deleteAlias(r -> r.functionName("aliased").name("beta"));
        assertThat(deleted.sdkHttpResponse().statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> lambda.getAlias(r -> r.functionName("aliased").name("beta")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("Alias not found");
        assertThatThrownBy(() -> lambda.getAlias(r -> r.functionName("missing-fn").name("live")))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining("Function not found");
    }

    @Test
    void reservedConcurrencyIsSetReadAndSubtractedFromTheUnreservedPool() {
        createWithVersions("reserved", 0);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("reserved")).reservedConcurrentExecutions()).isNull();
        int unreservedBefore = lambda.getAccountSettings(r -> { }).accountLimit().unreservedConcurrentExecutions();

        var put = lambda.putFunctionConcurrency(r -> r.functionName("reserved").reservedConcurrentExecutions(50));
        assertThat(put.reservedConcurrentExecutions()).isEqualTo(50);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("reserved")).reservedConcurrentExecutions()).isEqualTo(50);
        assertThat(lambda.getFunction(r -> r.functionName("reserved")).concurrency().reservedConcurrentExecutions()).isEqualTo(50);
        var settings = lambda.getAccountSettings(r -> { });
        assertThat(settings.accountLimit().concurrentExecutions()).isEqualTo(1000);
        assertThat(settings.accountLimit().unreservedConcurrentExecutions()).isEqualTo(unreservedBefore - 50);
        assertThat(settings.accountLimit().codeSizeZipped()).isEqualTo(52_428_800L);
        assertThat(settings.accountLimit().codeSizeUnzipped()).isEqualTo(262_144_000L);
        assertThat(settings.accountUsage().functionCount()).isGreaterThanOrEqualTo(1);
        assertThat(settings.accountUsage().totalCodeSize()).isPositive();

        var deleted = lambda.deleteFunctionConcurrency(r -> r.functionName("reserved"));
        assertThat(deleted.sdkHttpResponse().statusCode()).isEqualTo(204);
        assertThat(lambda.getFunctionConcurrency(r -> r.functionName("reserved")).reservedConcurrentExecutions()).isNull();
        assertThat(lambda.getAccountSettings(r -> { }).accountLimit().unreservedConcurrentExecutions()).isEqualTo(unreservedBefore);
        assertThatThrownBy(() -> lambda.putFunctionConcurrency(r -> r.functionName("nope").reservedConcurrentExecutions(1)))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void tagsAreAddedListedAndRemovedByFunctionArn() {
        createWithVersions("tagged", 0);
        String arn = "arn:aws:lambda:us-east-1:123456789012:function:tagged";
        var tagged = lambda.tagResource(r -> r.resource(arn).tags(Map.of("team", "core", "env", "dev")));
        assertThat(tagged.sdkHttpResponse().statusCode()).isEqualTo(204);
        lambda.tagResource(r -> r.resource(arn).tags(Map.of("env", "prod")));
        assertThat(lambda.listTags(r -> r.resource(arn)).tags()).containsExactlyInAnyOrderEntriesOf(
                Map.of("team", "core", "env", "prod"));
        lambda.untagResource(r -> r.resource(arn).tagKeys("team", "absent"));
        assertThat(lambda.listTags(r -> r.resource(arn)).tags()).containsExactlyInAnyOrderEntriesOf(Map.of("env", "prod"));
        assertThat(lambda.getFunction(r -> r.functionName("tagged")).tags()).containsEntry("env", "prod");
        assertThatThrownBy(() -> lambda.listTags(r -> r.resource("arn:aws:lambda:us-east-1:123456789012:function:nope")))
                .isInstanceOf(ResourceNotFoundException.class);
    }
}
