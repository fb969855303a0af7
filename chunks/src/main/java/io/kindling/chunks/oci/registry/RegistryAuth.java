package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers registries' authentication challenges (the distribution spec's token flow): a request
 * without credentials gets a 401 and a {@code WWW-Authenticate} challenge; for {@code Basic} the
 * configured credentials are sent, for {@code Bearer} a token is fetched from the challenge's realm
 * for its service and scope (with the credentials, if any, as basic auth) and sent instead.
 *
 * <p>Both the challenge seen per repository and the tokens are remembered, so after the first
 * request of a pull the rest go out authorized at once, and a pull of the next layer does not
 * fetch another token. Tokens live for their {@code expires_in} less a margin; both caches are
 * bounded. Neither credentials nor tokens are ever logged.
 */
final class RegistryAuth {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryAuth.class);
    /** The distribution spec's default when a token response says nothing. */
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** A token is dropped this long before it expires, so it does not expire in flight. */
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);
    private static final int MAX_TOKEN_RESPONSE = 64 * 1024;
    private static final int MAX_CACHED = 1024;

    private record Token(String value, Duration lifetime) {}

    private record TokenKey(String realm, String service, String scope, String username) {}

    private final HttpClient http;
    private final RegistrySettings settings;
    private final ObjectMapper json;
    private final Cache<String, Challenge> challenges = Caffeine.newBuilder().maximumSize(MAX_CACHED).build();
    private final Cache<TokenKey, Token> tokens = Caffeine.newBuilder().maximumSize(MAX_CACHED)
            .expireAfter(Expiry.creating((TokenKey key, Token token) -> token.lifetime())).build();

    RegistryAuth(HttpClient http, RegistrySettings settings, ObjectMapper json) {
        this.http = http;
        this.settings = settings;
        this.json = json;
    }

    /** The Authorization header to send right away, if this repository has challenged before. */
    Optional<String> known(ImageReference image) throws RegistryPullException, InterruptedException {
        Challenge challenge = challenges.getIfPresent(key(image));
        return challenge == null ? Optional.empty() : Optional.of(answer(image, challenge));
    }

    /**
     * The Authorization header answering {@code challenge}; remembered for the repository's next
     * requests. With {@code rejected} the request already carried a cached token and was refused
     * (revoked, or expired early): that token is dropped and a fresh one fetched.
     */
    String answer(ImageReference image, Challenge challenge, boolean rejected) throws RegistryPullException, InterruptedException {
        if (rejected && challenge.isBearer()) {
            tokens.invalidate(tokenKey(image, challenge, settings.credentials().forRegistry(image.registry())));
        }
        return answer(image, challenge);
    }

    private String answer(ImageReference image, Challenge challenge) throws RegistryPullException, InterruptedException {
        Optional<RegistryCredentials> credentials = settings.credentials().forRegistry(image.registry());
        String header;
        if (challenge.isBasic()) {
            header = credentials.orElseThrow(() -> new RegistryPullException.AuthFailed("The registry " + image.registry()
                    + " needs a user name and password to pull " + image + ", and none is configured for it.")).basicHeader();
        } else if (challenge.isBearer()) {
            header = "Bearer " + token(image, challenge, credentials);
        } else {
            throw new RegistryPullException.AuthFailed("The registry " + image.registry() + " asks for " + challenge.scheme()
                    + " authentication to pull " + image + "; only basic and bearer tokens are supported.");
        }
        challenges.put(key(image), challenge);
        return header;
    }

    private static String key(ImageReference image) {
        return image.registry() + "/" + image.repository();
    }

    private String token(ImageReference image, Challenge challenge, Optional<RegistryCredentials> credentials)
            throws RegistryPullException, InterruptedException {
        TokenKey key = tokenKey(image, challenge, credentials);
        if (key.realm().isEmpty()) {
            throw new RegistryPullException.AuthFailed("The registry " + image.registry() + " asks for a bearer token to pull " + image
                    + " but names no token service.");
        }
        Token cached = tokens.getIfPresent(key);
        if (cached != null) {
            return cached.value();
        }
        Token fresh = fetchToken(image, key, credentials);
        tokens.put(key, fresh);
        return fresh.value();
    }

    private static TokenKey tokenKey(ImageReference image, Challenge challenge, Optional<RegistryCredentials> credentials) {
        return new TokenKey(challenge.parameter("realm").orElse(""), challenge.parameter("service").orElse(""),
                challenge.parameter("scope").orElse("repository:" + image.repository() + ":pull"),
                credentials.map(RegistryCredentials::username).orElse(""));
    }

    private Token fetchToken(ImageReference image, TokenKey key, Optional<RegistryCredentials> credentials)
            throws RegistryPullException, InterruptedException {
        URI uri;
        try {
            StringBuilder query = new StringBuilder();
            if (!key.service().isEmpty()) {
                query.append("service=").append(URLEncoder.encode(key.service(), StandardCharsets.UTF_8));
            }
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(key.scope(), StandardCharsets.UTF_8));
            uri = URI.create(key.realm() + (key.realm().contains("?") ? "&" : "?") + query);
        } catch (IllegalArgumentException e) {
            throw new RegistryPullException.AuthFailed("The registry " + image.registry() + " names a token service that is not a URL: "
                    + key.realm());
        }
        if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && settings.usesPlainHttp(image))) {
            // Credentials go to the realm: never in clear text to a registry we reach over https.
            throw new RegistryPullException.AuthFailed("The registry " + image.registry() + " names a token service that is not https ("
                    + uri.getScheme() + "://" + uri.getAuthority() + "); no credentials are sent there.");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        credentials.ifPresent(c -> request.header("Authorization", c.basicHeader()));
        LOG.debug("fetching a pull token for {} from {}", image, uri.getAuthority());
        HttpResponse<InputStream> response = RegistryClient.send(http, settings, image,
                uri.getScheme() + "://" + uri.getRawAuthority() + " (token service)", request.build());
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(MAX_TOKEN_RESPONSE);
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw new RegistryPullException.AuthFailed(credentials.isEmpty()
                        ? "The registry " + image.registry() + " refuses anonymous pulls of " + image + "; configure credentials for it."
                        : "The registry " + image.registry() + " refused the credentials of user " + credentials.get().username()
                                + " for pulling " + image + ".");
            }
            if (response.statusCode() != 200) {
                throw new RegistryPullException.RegistryError("The token service of registry " + image.registry() + " answered "
                        + response.statusCode() + " when asked for a token to pull " + image + ".", response.statusCode());
            }
            JsonNode answer;
            try {
                answer = json.readTree(bytes);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new RegistryPullException.AuthFailed("The token service of registry " + image.registry()
                        + " answered with something that is not a token response when asked for one to pull " + image + ".");
            }
            String token = answer.path("token").asText(answer.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryPullException.AuthFailed("The token service of registry " + image.registry()
                        + " answered without a token when asked for one to pull " + image + ".");
            }
            Duration lifetime = answer.hasNonNull("expires_in")
                    ? Duration.ofSeconds(answer.get("expires_in").asLong()) : DEFAULT_TOKEN_LIFETIME;
            return new Token(token, lifetime.minus(EXPIRY_MARGIN).isNegative() ? Duration.ZERO : lifetime.minus(EXPIRY_MARGIN));
        } catch (IOException e) {
            throw new RegistryPullException.Unreachable(image, uri.getScheme() + "://" + uri.getRawAuthority() + " (token service)", e);
        }
    }
}
