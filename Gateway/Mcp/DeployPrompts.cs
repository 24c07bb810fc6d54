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
        + "promoting it if it is better, checking a prediction, and rolling back if it turns out worse.")]
    public static IEnumerable<ChatMessage> TrainAndDeploy(
        [Description("Dataset to train on.")] string dataset,
        [Description("The column to predict.")] string label,
        [Description("Model name; a new name creates the model.")] string model) =>
    [
        new(ChatRole.User, $"""
            Train a new version of model '{model}' on dataset '{dataset}' to predict the column '{label}', and deploy it to
            the '{ModelAliases.Production}' alias only if it is better than what production serves now. Use the OrleansMl tools step by step:

            1. describe_dataset with name '{dataset}': check that '{label}' is a column and note its kind (two values → binary,
               a few classes → multiclass, numbers → regression), and keep one sample row for step 6.
            2. describe_model with model '{model}': note which version the '{ModelAliases.Production}' alias points at (the baseline). If the
               model does not exist yet there is no baseline.
            3. train_model with model '{model}', dataset '{dataset}', label '{label}' and wait: true. If it fails, read the error,
               fix the request (label, features, task) and train again.
            4. If there is a baseline: compare_versions with model '{model}', baseline = the production version, candidate = the
               new version. It names the better version per metric and overall.
            5. If the new version is better (or there is no baseline): promote_model with model '{model}', the new version, alias
               '{ModelAliases.Production}' and a short reason quoting the metrics. If it is not better, stop here and report the comparison.
            6. predict with model '{model}' and the sample row without a version: the answer must come from the promoted version.
            7. If the prediction fails or the promoted version turns out worse than the comparison suggested: rollback_model with
               model '{model}' and alias '{ModelAliases.Production}', then predict again to confirm the previous version answers.

            Finish with a short report: versions, metrics side by side, what production serves now, and why.
            """),
    ];
}
