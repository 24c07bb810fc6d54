using Microsoft.Extensions.Time.Testing;
using OrleansMl.Datasets;

namespace OrleansMl.Tests.Datasets;

public class DatasetReservationsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AReservation_HoldsItsVersionUntilReleased()
    {
        var reservations = new DatasetReservations(_time);
        var first = Guid.NewGuid();
        reservations.TryHold(first, "churn", 2);
        reservations.TryHold(Guid.NewGuid(), "alpha", 2);
        reservations.TryHold(Guid.NewGuid(), "other", 3);

        Assert.Equal(["alpha", "churn"], reservations.HoldersOf(2));
        reservations.Release(first);
        reservations.Release(Guid.NewGuid());

        Assert.Equal(["alpha"], reservations.HoldersOf(2));
        Assert.Empty(reservations.HoldersOf(1));
    }

    [Fact]
    public void AReservationNeverReleased_ExpiresAfterItsLifetime()
    {
        var reservations = new DatasetReservations(_time);
        reservations.TryHold(Guid.NewGuid(), "churn", 1);

        _time.Advance(DatasetReservations.Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(["churn"], reservations.HoldersOf(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(reservations.HoldersOf(1));
        Assert.Equal(0, reservations.Count);
    }

    [Fact]
    public void AtMostMaxHeldAreHeld_UntilOneExpires()
    {
        var reservations = new DatasetReservations(_time);
        var held = Enumerable.Range(0, DatasetReservations.MaxHeld).Select(_ => Guid.NewGuid()).ToList();
        Assert.All(held, id => Assert.True(reservations.TryHold(id, "m", 1)));

        Assert.False(reservations.TryHold(Guid.NewGuid(), "m", 1));
        Assert.True(reservations.TryHold(held[0], "m", 1));
        _time.Advance(DatasetReservations.Lifetime);

        Assert.True(reservations.TryHold(Guid.NewGuid(), "m", 1));
        Assert.Equal(1, reservations.Count);
    }
}
