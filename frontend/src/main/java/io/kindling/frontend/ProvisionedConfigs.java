package io.kindling.frontend;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.Page;
import io.kindling.registry.ProvisionedConcurrency;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.ListProvisionedConcurrencyConfigsResponse;
import io.kindling.wire.ProvisionedConcurrencyConfig;
import io.kindling.wire.ProvisionedConcurrencyConfigListItem;
import io.kindling.wire.Requests;

/**
 * Put/Get/Delete/ListProvisionedConcurrencyConfig(s). The registry holds what was requested and what the
 * worker reported; preparing the environments is the worker's. Runs on the request's virtual thread.
 */
final class ProvisionedConfigs {
    private final Registry registry;
    private final Arns arns;
    private final ObjectMapper json;

    ProvisionedConfigs(Registry registry, Arns arns, ObjectMapper json) {
        this.registry = registry;
        this.arns = arns;
        this.json = json;
    }

    ApiResult handle(ApiCall call) throws RequestException, RegistryException {
        return switch (call.operation()) {
            case PutProvisionedConcurrencyConfig -> put(call);
            case GetProvisionedConcurrencyConfig -> get(call);
            case DeleteProvisionedConcurrencyConfig -> delete(call);
            case ListProvisionedConcurrencyConfigs -> list(call);
            default -> throw new IllegalArgumentException(call.operation() + " is not a provisioned concurrency operation");
        };
    }

    /** 202: the config is accepted and IN_PROGRESS until the worker reports its environments ready. */
    private ApiResult put(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.qualified(call, arns);
        Requests.PutProvisionedConcurrencyConfig r = Calls.body(json, call, Requests.PutProvisionedConcurrencyConfig.class);
        new Violations().required("provisionedConcurrentExecutions", r.provisionedConcurrentExecutions())
                .range("provisionedConcurrentExecutions", r.provisionedConcurrentExecutions(), 1, Integer.MAX_VALUE)
                .throwIfAny();
        if (unpublished(ref)) {
            throw new RequestException.InvalidParameter("Provisioned Concurrency Configs cannot be applied to"
                    + " unpublished function versions.");
        }
        ProvisionedConcurrency p = registry.putProvisionedConcurrency(ref.name(), ref.qualifier(),
                r.provisionedConcurrentExecutions());
        return new ApiResult(202, render(p), ref.name());
    }

    private ApiResult get(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = aliasOrVersion(call);
        return new ApiResult(200, render(registry.getProvisionedConcurrency(ref.name(), ref.qualifier())), ref.name());
    }

    private ApiResult delete(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = aliasOrVersion(call);
        registry.deleteProvisionedConcurrency(ref.name(), ref.qualifier());
        return new ApiResult(204, null, ref.name());
    }

    private ApiResult list(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.unqualified(call, arns);
        Page<ProvisionedConcurrency> page = registry.listProvisionedConcurrency(ref.name(), call.query("Marker"),
                Calls.maxItems(call, 50));
        return new ApiResult(200, new ListProvisionedConcurrencyConfigsResponse(page.items().stream()
                .map(p -> new ProvisionedConcurrencyConfigListItem(arns.function(p.functionName(), p.qualifier()),
                        p.requested(), p.available(), p.allocated(), p.status().name(), p.statusReason().orElse(null),
                        Renderer.LAST_MODIFIED.format(p.lastModified())))
                .toList(), page.nextMarker().orElse(null)), ref.name());
    }

    private FunctionRef aliasOrVersion(ApiCall call) throws RequestException {
        FunctionRef ref = Calls.qualified(call, arns);
        if (unpublished(ref)) {
            throw new RequestException.InvalidParameter("The function resource provided must be an alias or a"
                    + " published version.");
        }
        return ref;
    }

    private static boolean unpublished(FunctionRef ref) {
        return ref.qualifier() == null || ref.qualifier().equals(FunctionVersion.LATEST);
    }

    private static ProvisionedConcurrencyConfig render(ProvisionedConcurrency p) {
        return new ProvisionedConcurrencyConfig(p.requested(), p.available(), p.allocated(), p.status().name(),
                p.statusReason().orElse(null), Renderer.LAST_MODIFIED.format(p.lastModified()));
    }
}
