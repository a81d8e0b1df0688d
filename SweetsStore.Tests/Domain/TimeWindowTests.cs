using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class TimeWindowTests
{
    [Theory]
    [InlineData("09:00-11:00", "11:00-12:00", false)] // touching ends do not intersect
    [InlineData("11:00-12:00", "09:00-11:00", false)]
    [InlineData("09:00-11:00", "10:59-12:00", true)] // one shared minute does
    [InlineData("09:00-18:00", "12:00-13:00", true)] // containment
    [InlineData("22:00-02:00", "01:00-03:00", true)] // across midnight, after it
    [InlineData("22:00-02:00", "21:00-22:30", true)] // across midnight, before it
    [InlineData("22:00-02:00", "02:00-22:00", false)] // exactly the complement
    [InlineData("22:00-00:00", "00:00-01:00", false)] // ends at midnight, nothing after
    [InlineData("23:59-00:01", "00:00-00:01", true)]
    [InlineData("20:00-04:00", "23:00-05:00", true)] // both cross midnight
    [InlineData("00:00-23:59", "23:59-00:00", false)]
    public void IntersectsOnlyWhenAMinuteIsShared(string a, string b, bool expected)
    {
        Assert.Equal(expected, TimeWindow.Parse(a).Intersects(TimeWindow.Parse(b)));
        Assert.Equal(expected, TimeWindow.Parse(b).Intersects(TimeWindow.Parse(a)));
    }

    [Theory]
    [InlineData("24:00-10:00")]
    [InlineData("9:00-18:00")]
    [InlineData("09:00 - 18:00")]
    [InlineData("09:00:00-18:00:00")]
    [InlineData("09:00-09:00")]
    [InlineData("09:60-10:00")]
    [InlineData("09:00-18:0")]
    [InlineData("")]
    [InlineData("０９:00-18:00")]
    [InlineData("09:00–18:00")]
    [InlineData("09.00-18:00")]
    [InlineData("09:00-18.00")]
    [InlineData("0x:00-18:00")]
    [InlineData("09:0a-18:00")]
    [InlineData("a9:00-18:00")]
    [InlineData("09:a0-18:00")]
    [InlineData("09:00-1x:00")]
    [InlineData("09:00-x8:00")]
    [InlineData("09:00-18:x0")]
    [InlineData("09:00-18:0x")]
    [InlineData("09:00+18:00")]
    [InlineData("09:00-18:00 ")]
    public void RefusesWhatTheContractCallsInvalid(string text)
    {
        Assert.False(TimeWindow.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void SplitsAWindowAcrossMidnightIntoTwoSegments()
    {
        Assert.Equal([(1320, 1440), (0, 120)], TimeWindow.Parse("22:00-02:00").Segments());
        Assert.Equal([(1320, 1440)], TimeWindow.Parse("22:00-00:00").Segments());
        Assert.Equal([(540, 1080)], TimeWindow.Parse("09:00-18:00").Segments());
    }

    [Fact]
    public void PrintsTheContractForm()
    {
        Assert.Equal("07:05-23:59", TimeWindow.Parse("07:05-23:59").ToString());
    }

    [Fact]
    public void IntersectionAgreesWithAMinuteByMinuteCheck()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var a = RandomWindow(random);
            var b = RandomWindow(random);
            var minutesA = Minutes(a);
            var minutesB = Minutes(b);

            Assert.Equal(minutesA.Overlaps(minutesB), a.Intersects(b));
        }

        static TimeWindow RandomWindow(Random random)
        {
            while (true)
            {
                var start = new NodaTime.LocalTime(random.Next(24), random.Next(60));
                var end = new NodaTime.LocalTime(random.Next(24), random.Next(60));
                if (start != end)
                {
                    return new TimeWindow(start, end);
                }
            }
        }

        static HashSet<int> Minutes(TimeWindow w)
        {
            var set = new HashSet<int>();
            var m = (w.Start.Hour * 60) + w.Start.Minute;
            var end = (w.End.Hour * 60) + w.End.Minute;
            while (m != end)
            {
                set.Add(m);
                m = (m + 1) % 1440;
            }

            return set;
        }
    }

    [Fact]
    public void SchedulesIntersectWhenAnyPairDoes()
    {
        var courier = Schedule.Parse("09:00-11:00", "14:00-16:00");

        Assert.True(courier.Intersects(Schedule.Parse("11:00-12:00", "15:59-17:00")));
        Assert.False(courier.Intersects(Schedule.Parse("11:00-14:00", "16:00-09:00")));
    }

    [Fact]
    public void AWindowIsWholeMinutesWithDifferentEnds()
    {
        var nine = new NodaTime.LocalTime(9, 0);
        var ten = new NodaTime.LocalTime(10, 0);
        var nineAndASecond = new NodaTime.LocalTime(9, 0, 1);
        var nineAndATick = NodaTime.LocalTime.FromHourMinuteSecondMillisecondTick(9, 0, 0, 0, 1);

        Assert.Throws<ArgumentException>(() => new TimeWindow(nine, nine));
        Assert.Throws<ArgumentException>(() => new TimeWindow(nineAndASecond, ten));
        Assert.Throws<ArgumentException>(() => new TimeWindow(nineAndATick, ten));
        Assert.Throws<ArgumentException>(() => new TimeWindow(ten, nineAndASecond));
        Assert.Throws<ArgumentException>(() => new TimeWindow(ten, nineAndATick));
        Assert.Equal("09:00-10:00", new TimeWindow(nine, ten).ToString());
    }

    [Fact]
    public void AnEmptyScheduleIntersectsNothing()
    {
        var allDay = Schedule.Parse("00:00-23:59", "23:59-00:00");

        Assert.True(Schedule.Empty.IsEmpty);
        Assert.False(allDay.IsEmpty);
        Assert.False(Schedule.Empty.Intersects(allDay));
        Assert.False(allDay.Intersects(Schedule.Empty));
        Assert.False(new Schedule([]).Intersects(new Schedule([])));
        Assert.Empty(Schedule.Empty.Segments());
        Assert.Empty(Schedule.Parse().ToStrings());
    }
}
