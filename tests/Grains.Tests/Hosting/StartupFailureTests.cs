using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;

namespace OrleansMl.Tests.Hosting;

/// <summary>Which start-up failures become one line about a setting, and which are left to the runtime.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public void AValueThatDoesNotBind_NamesTheSetting_WhatItTakes_AndTheVariable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(("OrleansMl:MaxPredictionRows", "lots")));

        Assert.Equal(
            "OrleansMl:MaxPredictionRows is 'lots', which is not a whole number: set OrleansMl__MaxPredictionRows.",
            StartupFailure.Describe(error));
    }

    [Fact]
    public void AnEnumThatDoesNotBind_ListsItsValues()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Bind(("OrleansMl:Mode", "Sharded")));

        Assert.Equal("OrleansMl:Mode is 'Sharded', which is not one of Embedded, Cluster: set OrleansMl__Mode.", StartupFailure.Describe(error));
    }

    [Fact]
    public void AValueReadWithoutTheBinder_NamesTheSettingToo()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("OrleansMl:Dashboard", (string?)"maybe")])
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => OrleansMlSiloExtensions.ReadDashboard(configuration));

        Assert.Equal("OrleansMl:Dashboard is 'maybe', which is not true or false: set OrleansMl__Dashboard.", StartupFailure.Describe(error));
    }

    [Fact]
    public void ADataAnnotationFailure_IsReducedToItsOwnMessage()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(("OrleansMl:TrainingConcurrency", "0")));

        Assert.Equal(
            "OrleansMl:TrainingConcurrency must be between 1 and 256; set OrleansMl__TrainingConcurrency.",
            StartupFailure.Describe(error));
    }

    [Fact]
    public void ASettingException_InsideAnother_IsFound()
    {
        var error = new InvalidOperationException("starting failed", new AggregateException(new SettingException("OrleansMl:DataDirectory ...")));

        Assert.Equal("OrleansMl:DataDirectory ...", StartupFailure.Describe(error));
    }

    [Fact]
    public void OtherFailures_AreNotAboutASetting()
    {
        // Among them the exception a test host throws to stop a program after it built its host: it must pass through.
        Assert.Null(StartupFailure.Describe(new InvalidOperationException("The gateway could not reach the cluster.")));
        Assert.Null(StartupFailure.Describe(new OperationCanceledException()));
        Assert.Null(StartupFailure.Describe(new Microsoft.Extensions.Hosting.HostAbortedException()));
    }

    [Fact]
    public void TheVariable_OfANestedKey_JoinsItsPartsWithTwoUnderscores() =>
        Assert.Equal("OrleansMl__Auth__Jwt__Authority", StartupFailure.Variable("OrleansMl:Auth:Jwt:Authority"));

    private static OrleansMlOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddOptions<OrleansMlOptions>().Bind(configuration.GetSection("OrleansMl")).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<OrleansMlOptions>>().Value;
    }
}
