namespace OrleansMl.Gateway.Ui;

/// <summary>An error answer of the REST API, as its ProblemDetails told it.</summary>
public sealed class ApiProblemException(int status, string title, string? detail)
    : Exception(detail is null ? title : $"{title}: {detail}")
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;
}
