using System.ComponentModel;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Mcp;

/// <summary>The guided workflow: describe the data, train, compare, promote, and roll back if the new version is worse.</summary>
[McpServerPromptType]
public sealed class DeployPrompts
{
    [McpServerPrompt(Name = "train_and_deploy", Title = "Train and deploy a model")]
    [Description("Guides you through training a new model version on a dataset, comparing it with the version in production, "
        + "rolling it out as a guarded canary if it is better (promoted or rolled back by itself on live feedback), and watching it.")]
    public static IEnumerable<ChatMessage> TrainAndDeploy(
        [Description("Dataset to train on.")] string dataset,
        [Description("The column to predict.")] string label,
        [Description("Model name; a new name creates the model.")] string model) =>
    [
        new(ChatRole.User, $"""
            Train a new version of model '{model}' on dataset '{dataset}' to predict the column '{label}', and deploy it to
            the '{ModelAliases.Production}' alias only if it is better than what production serves now. Use the OrleansMl tools step by step:

            1. describe_dataset with name '{dataset}': check that '{label}' is a column and note its kind (two values → binary,
               a few classes → multiclass, numbers → regression), and keep one sample row for step 7.
            2. describe_model with model '{model}': note which version the '{ModelAliases.Production}' alias points at (the baseline). If the
               model does not exist yet there is no baseline.
            3. train_model with model '{model}', dataset '{dataset}', label '{label}' and wait: true. If it fails, read the error,
               fix the request (label, features, task) and train again.
            4. If there is a baseline: compare_versions with model '{model}', baseline = the production version, candidate = the
               new version. It names the better version per metric and overall.
            5. If there is no baseline: promote_model with model '{model}', the new version, alias '{ModelAliases.Production}' and a short
               reason quoting the metrics. If there is a baseline and the new version is not better, stop here and report the comparison.
            6. If there is a baseline and the new version is better, do not promote it blindly: start_rollout with model '{model}',
               candidate = the new version, alias '{ModelAliases.Production}', mode 'canary', weight 10, steps [10, 50, 100] and a guard
               (classification: guardMetric 'accuracy', guardMaxDrop 0.02; regression: guardMetric 'rmse' with a guardMaxDrop in the
               label's units; guardMinSamples 200). The candidate then answers 10% of production's requests, advances while the guard
               holds and is promoted at 100%; if it does worse, all traffic returns to the baseline by itself.
            7. predict with model '{model}' and the sample row without a version: the answer names the version and carries a
               predictionId. When true labels arrive, send_feedback with those predictionIds: the guard judges on them.
            8. get_rollout with model '{model}' shows the state (running, promoted, rolledBack), the weight, both arms' accuracy and
               every decision with its numbers; get_model_health shows live traffic per version. To stop early: abort_rollout. If
               a version promoted in step 5 turns out worse: rollback_model with model '{model}' and alias '{ModelAliases.Production}'.

            Finish with a short report: versions, metrics side by side, what production serves now, and why.
            """),
    ];
}
