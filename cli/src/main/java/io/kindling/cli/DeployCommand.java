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
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Create a function, or update its code and configuration if it exists.",
                "Code is a directory or zip (with --runtime and --handler), or a container image (--image, optionally"
                        + " with --entry-point/--command/--working-dir overriding the image's): a reference to an OCI"
                        + " registry, or an image on this machine, an OCI layout directory or a docker save archive,"
                        + " which is pushed to the server's local image store first."})
final class DeployCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "NAME", description = "Function name.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR|ZIP",
            description = "A directory to zip, or a ready .zip package (not with --image).")
    Path source;

    @Option(names = "--image", paramLabel = "REF|DIR[:TAG]|TAR",
            description = "A container image (PackageType Image): registry/repository:tag or "
                    + "registry/repository@sha256:digest, which the server pulls; or an OCI layout directory (DIR:TAG "
                    + "picks a tag, else its only image) or a docker save archive (.tar), whose layers are uploaded "
                    + "(those the server has are skipped) to run as kindling.local/NAME@sha256:digest.")
    String image;

    @Option(names = "--entry-point", paramLabel = "ARG", split = ",",
            description = "Image functions: replaces the image's ENTRYPOINT (comma-separated arguments).")
    java.util.List<String> entryPoint;

    @Option(names = "--command", paramLabel = "ARG", split = ",",
            description = "Image functions: replaces the image's CMD (comma-separated arguments).")
    java.util.List<String> command;

    @Option(names = "--working-dir", paramLabel = "DIR",
            description = "Image functions: replaces the image's WORKDIR.")
    String workingDirectory;

    @Option(names = "--runtime", description = "Zip functions: e.g. provided.al2023, java21.")
    String runtime;

    @Option(names = "--handler", description = "Zip functions: e.g. bootstrap or example.Handler::handleRequest.")
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
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Code code = pushedIfLocal(code());
        try (LambdaClient lambda = client.client(new ProgressInterceptor(spec.commandLine().getErr(), "uploading"))) {
            FunctionConfiguration result = exists(lambda) ? update(lambda, code) : create(lambda, code);
            FunctionConfiguration ready;
            try {
                ready = lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name))
                        .matched().response().orElseThrow().configuration();
            } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
                // The waiter gives up on LastUpdateStatus Failed; the reason is in the configuration.
                var failed = lambda.getFunctionConfiguration(r -> r.functionName(name));
                spec.commandLine().getErr().printf("deploy of %s failed (%s): %s%n", name,
                        failed.lastUpdateStatusReasonCodeAsString(), failed.lastUpdateStatusReason());
                return 1;
            }
            out.printf("deployed %s (%s, CodeSha256 %s, State %s)%n", result.functionName(), ready.version(),
                    ready.codeSha256(), ready.stateAsString());
        }
        return 0;
    }

    /** The code to deploy: a zip's bytes, or an image reference. */
    private record Code(byte[] zip, String imageUri) {}

    private Code code() throws IOException {
        if ((image == null) == (source == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either DIR|ZIP (with --runtime and --handler) or --image REF");
        }
        if (image != null) {
            if (runtime != null || handler != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--runtime and --handler are for zip "
                        + "functions; an image's ENTRYPOINT and CMD (or --entry-point/--command) say what to start");
            }
            return new Code(null, image);
        }
        if (runtime == null || handler == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a zip function needs --runtime and --handler");
        }
        if (entryPoint != null || command != null || workingDirectory != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--entry-point, --command and --working-dir are for image functions (--image)");
        }
        return new Code(packageBytes(), null);
    }

    /** An image on this machine is pushed to the server's local image store, and deployed by the URI it gets there. */
    private Code pushedIfLocal(Code code) throws Exception {
        if (code.imageUri() == null) {
            return code;
        }
        java.util.Optional<LocalImage.Location> local = LocalImage.Location.of(code.imageUri());
        if (local.isEmpty()) {
            return code;
        }
        try (LocalImage image = local.get().read(); KindlingApi api = client.kindlingApi()) {
            String uri = ImagePush.push(api, image, ImagePush.repositoryFor(name), spec.commandLine().getErr());
            spec.commandLine().getErr().printf("pushed %s as %s%n", local.get().path(), uri);
            spec.commandLine().getErr().flush();
            return new Code(null, uri);
        }
    }

    private software.amazon.awssdk.services.lambda.model.ImageConfig imageConfig() {
        if (entryPoint == null && command == null && workingDirectory == null) {
            return null;
        }
        return software.amazon.awssdk.services.lambda.model.ImageConfig.builder().entryPoint(entryPoint)
                .command(command).workingDirectory(workingDirectory).build();
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

    private FunctionConfiguration create(LambdaClient lambda, Code code) {
        var created = lambda.createFunction(r -> {
            r.functionName(name).role(role).memorySize(memory).timeout(timeout).description(description)
                    .environment(e -> e.variables(environment.isEmpty() ? null : environment));
            if (code.imageUri() != null) {
                r.packageType(PackageType.IMAGE).code(c -> c.imageUri(code.imageUri())).imageConfig(imageConfig());
            } else {
                r.runtime(runtime).handler(handler).code(c -> c.zipFile(SdkBytes.fromByteArrayUnsafe(code.zip())));
            }
        });
        return FunctionConfiguration.builder().functionName(created.functionName()).build();
    }

    private FunctionConfiguration update(LambdaClient lambda, Code code) {
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
        if (code.imageUri() != null) {
            lambda.updateFunctionCode(r -> r.functionName(name).imageUri(code.imageUri()));
        } else {
            lambda.updateFunctionCode(r -> r.functionName(name).zipFile(SdkBytes.fromByteArrayUnsafe(code.zip())));
        }
        lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName(name));
        var updated = lambda.updateFunctionConfiguration(r -> r.functionName(name).runtime(runtime).handler(handler)
                .role(role).memorySize(memory).timeout(timeout).description(description)
                .imageConfig(code.imageUri() != null ? imageConfig() : null)
                .environment(environment.isEmpty() ? null
                        : software.amazon.awssdk.services.lambda.model.Environment.builder().variables(environment).build()));
        return FunctionConfiguration.builder().functionName(updated.functionName()).build();
    }
}
