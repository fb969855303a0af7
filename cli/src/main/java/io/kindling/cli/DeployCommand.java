package io.kindling.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Create a function, or update its code and configuration if it exists.")
final class DeployCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "NAME", description = "Function name.")
    String name;

    @Parameters(index = "1", paramLabel = "DIR|ZIP", description = "A directory to zip, or a ready .zip package.")
    Path source;

    @Option(names = "--runtime", required = true, description = "e.g. provided.al2023, java21.")
    String runtime;

    @Option(names = "--handler", required = true, description = "Handler, e.g. bootstrap or example.Handler::handleRequest.")
    String handler;

    @Option(names = "--role", defaultValue = "arn:aws:iam::000000000000:role/kindling",
            description = "Execution role ARN (default: ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--memory", description = "Memory in MB (128-10240).")
    Integer memory;

    @Option(names = "--timeout", description = "Timeout in seconds (1-900).")
    Integer timeout;

    @Option(names = "--description", description = "Description.")
    String description;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable; repeat for more.")
    Map<String, String> environment = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        byte[] zip = packageBytes();
        try (LambdaClient lambda = client.client(new ProgressInterceptor(spec.commandLine().getErr(), "uploading"))) {
            FunctionConfiguration result = exists(lambda) ? update(lambda, zip) : create(lambda, zip);
            FunctionConfiguration ready = lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name))
                    .matched().response().orElseThrow().configuration();
            out.printf("deployed %s (%s, CodeSha256 %s, State %s)%n", result.functionName(), ready.version(),
                    ready.codeSha256(), ready.stateAsString());
        }
        return 0;
    }

    private byte[] packageBytes() throws IOException {
        if (Files.isDirectory(source)) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            PackageZipper.zip(source, buffer);
            return buffer.toByteArray();
        }
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException(source + " is neither a directory nor a zip file");
        }
        return Files.readAllBytes(source);
    }

    private boolean exists(LambdaClient lambda) {
        try {
            lambda.getFunctionConfiguration(r -> r.functionName(name));
            return true;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }

    private FunctionConfiguration create(LambdaClient lambda, byte[] zip) {
        var created = lambda.createFunction(r -> r.functionName(name).runtime(runtime).handler(handler).role(role)
                .memorySize(memory).timeout(timeout).description(description)
                .environment(e -> e.variables(environment.isEmpty() ? null : environment))
                .code(c -> c.zipFile(SdkBytes.fromByteArrayUnsafe(zip))));
        return FunctionConfiguration.builder().functionName(created.functionName()).build();
    }

    private FunctionConfiguration update(LambdaClient lambda, byte[] zip) {
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
        lambda.updateFunctionCode(r -> r.functionName(name).zipFile(SdkBytes.fromByteArrayUnsafe(zip)));
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
        var updated = lambda.updateFunctionConfiguration(r -> r.functionName(name).runtime(runtime).handler(handler)
                .role(role).memorySize(memory).timeout(timeout).description(description)
                .environment(environment.isEmpty() ? null
                        : software.amazon.awssdk.services.lambda.model.Environment.builder().variables(environment).build()));
        return FunctionConfiguration.builder().functionName(updated.functionName()).build();
    }
}
