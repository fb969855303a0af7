package io.kindling.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * How client commands reach a server: the AWS SDK's LambdaClient with an endpoint override, and
 * credentials from, in order, KINDLING_ACCESS_KEY_ID/KINDLING_SECRET_ACCESS_KEY, the key the
 * server generated in its data directory, or the AWS SDK's default chain.
 */
final class ClientOptions {
    @Option(names = "--endpoint", description = "Server URL (default: $KINDLING_ENDPOINT or http://127.0.0.1:9070).")
    String endpoint;

    @Option(names = "--data-dir", description = "The server's data directory, to find its generated key"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = ".kindling")
    Path dataDir;

    @Option(names = "--region", description = "Region to sign for (default: ${DEFAULT-VALUE}).", defaultValue = "us-east-1")
    String region;

    private String url() {
        return endpoint != null ? endpoint
                : System.getenv("KINDLING_ENDPOINT") != null ? System.getenv("KINDLING_ENDPOINT") : "http://127.0.0.1:9070";
    }

    /** For Kindling's own endpoints, signed with the same credentials. */
    KindlingApi kindlingApi() {
        return new KindlingApi(URI.create(url()), region, credentials(),
                UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(1)).build());
    }

    LambdaClient client(ProgressInterceptor progress) {
        String url = url();
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofMinutes(10));
        if (progress != null) {
            override.addExecutionInterceptor(progress);
        }
        return LambdaClient.builder()
                .endpointOverride(URI.create(url))
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(5)).build())
                .overrideConfiguration(override.build())
                .build();
    }

    private AwsCredentialsProvider credentials() {
        String id = System.getenv("KINDLING_ACCESS_KEY_ID");
        String secret = System.getenv("KINDLING_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
        }
        Path generated = dataDir.resolve("credentials");
        if (Files.isReadable(generated)) {
            return ProfileCredentialsProvider.builder()
                    .profileFile(ProfileFile.builder().content(generated).type(ProfileFile.Type.CREDENTIALS).build())
                    .profileName("kindling")
                    .build();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
