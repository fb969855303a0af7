package io.kindling.chunks.oci.registry;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry's {@code WWW-Authenticate} challenge: {@code Basic realm="…"} or
 * {@code Bearer realm="https://auth…/token",service="…",scope="repository:x:pull"} (RFC 7235's
 * auth-param list: quoted or bare values, quoted ones may hold commas).
 *
 * @param scheme {@code basic} or {@code bearer}, lower case
 */
record Challenge(String scheme, Map<String, String> parameters) {
    private static final Pattern SCHEME = Pattern.compile("\\s*([A-Za-z][A-Za-z0-9._~+/-]*)\\s*");
    private static final Pattern PARAMETER = Pattern.compile("\\s*([A-Za-z0-9._~+-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,\"]*))\\s*,?");

    Challenge {
        parameters = Map.copyOf(parameters);
    }

    /** Reads the first challenge of a header; empty if there is none worth answering. */
    static Optional<Challenge> parse(String header) {
        Matcher scheme = SCHEME.matcher(header);
        if (!scheme.lookingAt()) {
            return Optional.empty();
        }
        Map<String, String> parameters = new HashMap<>();
        Matcher parameter = PARAMETER.matcher(header);
        parameter.region(scheme.end(), header.length());
        while (parameter.lookingAt()) {
            String value = parameter.group(2) != null ? parameter.group(2).replaceAll("\\\\(.)", "$1") : parameter.group(3);
            parameters.putIfAbsent(parameter.group(1).toLowerCase(Locale.ROOT), value);
            parameter.region(parameter.end(), header.length());
        }
        return Optional.of(new Challenge(scheme.group(1).toLowerCase(Locale.ROOT), parameters));
    }

    boolean isBearer() {
        return scheme.equals("bearer");
    }

    boolean isBasic() {
        return scheme.equals("basic");
    }

    Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(name));
    }
}
