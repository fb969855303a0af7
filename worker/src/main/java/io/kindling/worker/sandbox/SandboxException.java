package io.kindling.worker.sandbox;

/**
 * A sandbox could not be created, controlled or read. Each subtype's first sentence is its message;
 * the detail after the colon says which file, command or errno. Callers that map errors to Lambda's
 * names treat every subtype but {@link InvalidSpec} as a worker fault (ServiceException); an
 * invalid spec is a bug in the caller.
 */
public abstract sealed class SandboxException extends Exception {
    private SandboxException(String summary, String detail, Throwable cause) {
        super(summary + ": " + detail, cause);
    }

    /** The sandbox spec cannot be used. */
    public static final class InvalidSpec extends SandboxException {
        public InvalidSpec(String detail) {
            super("The sandbox spec cannot be used", detail, null);
        }
    }

    /** The sandbox's scratch directory could not be prepared or removed. */
    public static final class ScratchFailed extends SandboxException {
        public ScratchFailed(String detail, Throwable cause) {
            super("The sandbox's scratch directory could not be prepared or removed", detail, cause);
        }
    }

    /** A cgroup of the sandbox could not be created, limited, frozen, thawed, read or removed. */
    public static final class CgroupFailed extends SandboxException {
        public CgroupFailed(String detail, Throwable cause) {
            super("A cgroup of the sandbox could not be created, limited, frozen, thawed, read or removed", detail, cause);
        }
    }

    /** The sandbox's network namespace could not be created or removed. */
    public static final class NetworkFailed extends SandboxException {
        public NetworkFailed(String detail, Throwable cause) {
            super("The sandbox's network namespace could not be created or removed", detail, cause);
        }
    }

    /** The Runtime API listener could not be opened inside the sandbox's network namespace. */
    public static final class ListenerFailed extends SandboxException {
        public ListenerFailed(String detail, Throwable cause) {
            super("The Runtime API listener could not be opened inside the sandbox's network namespace", detail, cause);
        }
    }

    /** The sandbox's process could not be spawned. */
    public static final class LaunchFailed extends SandboxException {
        public LaunchFailed(String detail, Throwable cause) {
            super("The sandbox's process could not be spawned", detail, cause);
        }
    }

    /** The sandbox is closed. */
    public static final class Closed extends SandboxException {
        public Closed(String detail) {
            super("The sandbox is closed", detail, null);
        }
    }
}
