package io.kindling.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    @Test
    void listProvisionedConcurrencyConfigsIsToldFromGetByItsQuery() throws Exception {
        String path = "/2019-09-30/functions/f/provisioned-concurrency";
        assertThat(Router.route("GET", path, Map.of("List", List.of("ALL"))).operation())
                .isEqualTo(Operation.ListProvisionedConcurrencyConfigs);
        assertThat(Router.route("GET", path, Map.of("Qualifier", List.of("live"))).operation())
                .isEqualTo(Operation.GetProvisionedConcurrencyConfig);
        assertThat(Router.route("PUT", path, Map.of("List", List.of("ALL"))).operation())
                .isEqualTo(Operation.PutProvisionedConcurrencyConfig);
    }

    @Test
    void eventInvokeConfigOperationsByMethodAndTheListByItsPath() throws Exception {
        String path = "/2019-09-25/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/event-invoke-config";
        assertThat(Router.route("PUT", path).operation()).isEqualTo(Operation.PutFunctionEventInvokeConfig);
        assertThat(Router.route("POST", path).operation()).isEqualTo(Operation.UpdateFunctionEventInvokeConfig);
        assertThat(Router.route("DELETE", path).operation()).isEqualTo(Operation.DeleteFunctionEventInvokeConfig);
        Router.Match list = Router.route("GET", path + "/list");
        assertThat(list.operation()).isEqualTo(Operation.ListFunctionEventInvokeConfigs);
        assertThat(list.pathParameters()).containsEntry("FunctionName", "arn:aws:lambda:us-east-1:123456789012:function:f");
        assertThatThrownBy(() -> Router.route("PATCH", path)).isInstanceOf(RequestException.UnknownOperation.class)
                .hasMessageContaining("not allowed");
    }

    @Test
    void theLocalImageStoreRoutesBlobsByDigestAndManifestsByRepositoryAndTag() throws Exception {
        String hex = "a".repeat(64);
        Router.Match head = Router.route("HEAD", "/kindling/2026-11-27/images/blobs/sha256%3A" + hex);
        Router.Match put = Router.route("PUT", "/kindling/2026-11-27/images/blobs/sha256:" + hex);
        Router.Match manifest = Router.route("PUT", "/kindling/2026-11-27/images/blobs/manifests/v1");

        assertThat(head.operation()).isEqualTo(Operation.HeadImageBlob);
        assertThat(head.pathParameters()).containsEntry("Digest", "sha256:" + hex);
        assertThat(put.operation()).isEqualTo(Operation.PutImageBlob);
        assertThat(put.pathParameters()).containsEntry("Digest", "sha256:" + hex);
        assertThat(manifest.operation()).as("a repository may be called blobs").isEqualTo(Operation.PutImageManifest);
        assertThat(manifest.pathParameters()).containsEntry("Repository", "blobs").containsEntry("Tag", "v1");
        assertThat(ImagePushes.claimedPayloadHash("sha256:" + hex)).isEqualTo(hex);
        assertThat(ImagePushes.claimedPayloadHash("md5:x")).isEqualTo(io.kindling.frontend.auth.SignedRequest.EMPTY_PAYLOAD_SHA256);
    }
}
