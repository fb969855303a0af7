package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuntimeApiRouteTest {
    @ParameterizedTest
    @CsvSource({
            "GET, /2018-06-01/runtime/invocation/next, Next[]",
            "POST, /2018-06-01/runtime/invocation/abc-1/response, InvocationResponse[requestId=abc-1]",
            "POST, /2018-06-01/runtime/invocation/abc-1/error, InvocationError[requestId=abc-1]",
            "POST, /2018-06-01/runtime/init/error, InitError[]",
            "GET, /2018-06-01/ping, Ping[]",
            "POST, /2018-06-01/runtime/invocation/next, MethodNotAllowed[allowed=GET]",
            "GET, /2018-06-01/runtime/invocation/abc/response, MethodNotAllowed[allowed=POST]",
            "GET, /2018-06-01/runtime/init/error, MethodNotAllowed[allowed=POST]",
            "POST, /2018-06-01/runtime/invocation//response, NotFound[]",
            "POST, /2018-06-01/runtime/invocation/a/b/response, NotFound[]",
            "POST, /2018-06-01/runtime/invocation/abc/result, NotFound[]",
            "GET, /2018-06-01/runtime/invocation/next/, NotFound[]",
            "GET, /2020-01-01/extension/event/next, NotFound[]",
            "GET, /, NotFound[]",
    })
    void routes(String method, String path, String route) {
        assertThat(RuntimeApiRoute.of(method, path).toString()).isEqualTo(route);
    }

    @ParameterizedTest
    @CsvSource({"GET, /2018-06-01/runtime/restore/next", "POST, /2018-06-01/runtime/restore/error"})
    void snapStartRoutesSayTheyAreUnsupported(String method, String path) {
        assertThat(RuntimeApiRoute.of(method, path)).isInstanceOfSatisfying(RuntimeApiRoute.Unsupported.class,
                unsupported -> assertThat(unsupported.reason()).contains("SnapStart"));
    }
}
