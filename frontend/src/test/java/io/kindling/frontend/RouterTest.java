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
}
