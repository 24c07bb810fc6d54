using OrleansMl.Rollouts;

namespace OrleansMl.Tests.Rollouts;

public sealed class RolloutInputsTests
{
    private static readonly ModelSignature Baseline = new(
        ModelTask.Binary, "churned", ColumnKind.Boolean, ["false", "true"],
        [new InputColumn("customer_id", ColumnKind.Ignored), new InputColumn("tenure", ColumnKind.Numeric), new InputColumn("plan", ColumnKind.Categorical)]);

    [Fact]
    public void StickyBy_TakesAnyColumnRowsForBothArmsMayCarry_InAnyCase()
    {
        Assert.Null(RolloutInputs.StickyByProblem("customer_id", "churn", "production", [(3, Baseline), (4, Baseline)]));
        Assert.Null(RolloutInputs.StickyByProblem("Customer_ID", "churn", "production", [(3, Baseline), (4, Baseline)]));
        Assert.Null(RolloutInputs.StickyByProblem("churned", "churn", "production", [(3, Baseline), (4, Baseline)]));
    }

    [Fact]
    public void StickyBy_OnAColumnOnlyOneArmTakes_IsRefused_NamingTheArmThatRefusesItAndTheColumnsBothTake()
    {
        // The candidate was trained on data without the id: a row carrying it would be refused whenever it went there.
        var candidate = Baseline with { Inputs = [new InputColumn("tenure", ColumnKind.Numeric), new InputColumn("plan", ColumnKind.Categorical)] };

        var problem = RolloutInputs.StickyByProblem("customer_id", "churn", "production", [(3, Baseline), (4, candidate)]);

        Assert.Equal(
            "stickyBy 'customer_id' is not a column that requests through alias 'production' of model 'churn' may carry: "
            + "version 4 refuses a row with it (unknown column), so no request could be sticky. "
            + "The columns versions 3 and 4 both take are 'tenure', 'plan' and the label 'churned' (matched ignoring case): "
            + "choose one of them, e.g. an id every row carries.", problem);
    }

    [Fact]
    public void StickyBy_ForASchedule_IsCheckedAgainstTheAliasVersionAlone_AndSummarisesManyColumns()
    {
        var wide = Baseline with { Inputs = [.. Enumerable.Range(1, 14).Select(i => new InputColumn($"f{i}", ColumnKind.Numeric))] };

        var problem = RolloutInputs.StickyByProblem("customer", "churn", "production", [(3, wide)]);

        Assert.Equal(
            "stickyBy 'customer' is not a column that requests through alias 'production' of model 'churn' may carry: "
            + "version 3 refuses a row with it (unknown column), so no request could be sticky. "
            + "The columns version 3 takes are 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10' and 4 more and the label 'churned' "
            + "(matched ignoring case): choose one of them, e.g. an id every row carries.", problem);
    }

    [Fact]
    public void GuardMetrics_AreThoseEachTaskMeasures_ErrorsAndLatencyOnEvery()
    {
        Assert.Equal(["accuracy", "auc", "errorRate", "p99"], RolloutPolicy.MetricsFor(ModelTask.Binary).ToArray());
        Assert.Equal(["accuracy", "errorRate", "p99"], RolloutPolicy.MetricsFor(ModelTask.Multiclass).ToArray());
        Assert.Equal(["rmse", "mae", "errorRate", "p99"], RolloutPolicy.MetricsFor(ModelTask.Regression).ToArray());

        // A version whose task is not known is not judged; a known one is, even beside an unknown one.
        RolloutPolicy.ValidateGuardFor(new RolloutGuard("rmse", Max: 1), "churn", [(1, ModelTask.Auto)]);
        var error = Assert.Throws<InvalidRolloutException>(() =>
            RolloutPolicy.ValidateGuardFor(new RolloutGuard("rmse", Max: 1), "churn", [(1, ModelTask.Auto), (2, ModelTask.Multiclass)]));
        Assert.Equal(
            "guard.metric 'rmse' is never measured for version 2 of model 'churn', a multiclass model, so the guard would never be checked: "
            + "a multiclass model's guard can watch accuracy, errorRate or p99.", error.Message);
    }
}
