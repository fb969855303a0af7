package io.kindling.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapping for every wire type: PascalCase members, nulls omitted. */
public final class LambdaJson {
    /**
     * Jackson refuses strings over 20 M chars by default; a 50 MB zip is ~70 M chars of base64.
     * The frontend bounds the whole body first, so this only has to let the biggest legal one through.
     */
    static final int MAX_STRING_CHARS = 70_000_000;

    private LambdaJson() {}

    /**
     * Unknown members are ignored, as AWS does, so that newer SDKs sending members this server does
     * not model yet still work; members Kindling cannot honour are rejected by validation instead.
     */
    public static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_STRING_CHARS).build())
                .build();
        return JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.CAN_OVERRIDE_ACCESS_MODIFIERS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
    }
}
