package io.kindling.registry;

/**
 * The State and LastUpdateStatus pair Lambda reports for a function version, with the only
 * transitions Kindling makes. SDK waiters (FunctionActiveV2, FunctionUpdatedV2) poll these.
 *
 * <pre>
 *  create ──► Pending/InProgress ──code ready──► Active/Successful ──update──► Active/InProgress
 *                    │                                 ▲                          │
 *                    └──code failed──► Failed/Failed   └────────code ready────────┘
 * </pre>
 */
public record VersionStatus(
        State state,
        String stateReason,
        String stateReasonCode,
        UpdateStatus lastUpdateStatus,
        String lastUpdateStatusReason,
        String lastUpdateStatusReasonCode) {

    public enum State { Pending, Active, Inactive, Failed }

    public enum UpdateStatus { InProgress, Successful, Failed }

    static VersionStatus creating() {
        return new VersionStatus(State.Pending, "The function is being created.", "Creating",
                UpdateStatus.InProgress, null, null);
    }

    VersionStatus updating() {
        return new VersionStatus(state, stateReason, stateReasonCode, UpdateStatus.InProgress,
                "The function is being updated.", "Updating");
    }

    static VersionStatus ready() {
        return new VersionStatus(State.Active, null, null, UpdateStatus.Successful, null, null);
    }

    /** Code preparation failed: a new function becomes Failed; an updated one keeps running its old state. */
    VersionStatus failed(String reason, String reasonCode) {
        State next = state == State.Pending ? State.Failed : state;
        return new VersionStatus(next, next == State.Failed ? reason : stateReason,
                next == State.Failed ? reasonCode : stateReasonCode, UpdateStatus.Failed, reason, reasonCode);
    }

    /** Active and not mid-update: what an invoke needs (Lambda answers others with 409; the async queue waits). */
    public boolean invocable() {
        return state == State.Active && lastUpdateStatus != UpdateStatus.InProgress;
    }

    /** Pending or InProgress: Lambda refuses further changes until this settles. */
    public boolean settling() {
        return state == State.Pending || lastUpdateStatus == UpdateStatus.InProgress;
    }
}
