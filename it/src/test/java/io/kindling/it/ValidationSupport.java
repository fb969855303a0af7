package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.AccountUsage;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/** Error assertions and "nothing changed" snapshots shared by ValidationTest and HostileZipTest. */
final class ValidationSupport {
    private ValidationSupport() {}

    /**
     * Asserts the call fails with exactly {@code type} (LambdaException itself for error names the SDK
     * does not model, e.g. ValidationException), the given error code and status, and a message containing
     * {@code message}.
     */
    static LambdaException assertLambdaError(ThrowingCallable call, Class<? extends LambdaException> type,
                                             String errorCode, int status, String message) {
        LambdaException[] caught = new LambdaException[1];
        assertThatThrownBy(call)
                .isExactlyInstanceOf(type)
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    caught[0] = e;
                    assertThat(e.awsErrorDetails().errorCode()).as("errorCode").isEqualTo(errorCode);
                    assertThat(e.statusCode()).as("HTTP status").isEqualTo(status);
                    assertThat(e.awsErrorDetails().errorMessage()).as("message").contains(message);
                });
        return caught[0];
    }

    /** A model-constraint violation: AWS's unmodeled ValidationException, 400. */
    static LambdaException assertValidation(ThrowingCallable call, String message) {
        return assertLambdaError(call, LambdaException.class, "ValidationException", 400, message);
    }

    /** InvalidParameterValueException, 400. */
    static LambdaException assertInvalidParameter(ThrowingCallable call, String message) {
        return assertLambdaError(call, software.amazon.awssdk.services.lambda.model.InvalidParameterValueException.class,
                "InvalidParameterValueException", 400, message);
    }

    /** What a rejected request must not change: account usage, the function list, stored and staged packages. */
    record State(long functionCount, long totalCodeSize, Set<String> functions, Set<String> packageFiles,
                 Set<String> stagingFiles) {
        static State of(LambdaClient lambda, Path dataDir) {
            AccountUsage usage = lambda.getAccountSettings(r -> {}).accountUsage();
            Set<String> functions = lambda.listFunctionsPaginator(r -> r.maxItems(50)).functions().stream()
                    .map(FunctionConfiguration::functionName).collect(Collectors.toCollection(TreeSet::new));
            return new State(usage.functionCount(), usage.totalCodeSize(), functions,
                    files(dataDir.resolve("code").resolve("packages")), files(dataDir.resolve("staging")));
        }
    }

    /** Every file below {@code dir} (relative names), or none when it does not exist. */
    static Set<String> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !Files.isDirectory(p)).map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the code store would keep a package with these bytes. */
    static Path packagePath(Path dataDir, byte[] zip) {
        String hex = sha256Hex(zip);
        return dataDir.resolve("code").resolve("packages").resolve(hex.substring(0, 2)).resolve(hex + ".zip");
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
