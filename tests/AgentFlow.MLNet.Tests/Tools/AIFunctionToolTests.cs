using System.ComponentModel;
using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Functions;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Tools;

public class AIFunctionToolTests
{
    [Description("Gets the current temperature of a city.")]
    private static string GetTemperature([Description("The city name")] string city, int decimals = 0) =>
        $"{city}: {Math.Round(21.456, decimals)} °C";

    private static WeatherReport GetReport(string city) => new(city, 21.5, ["sunny", "calm"]);

    private sealed record WeatherReport(string City, double Celsius, string[] Conditions);

    [Fact]
    public void The_card_comes_from_the_functions_name_description_and_schema()
    {
        var function = AIFunctionFactory.Create(GetTemperature);

        var card = new AIFunctionTool(function).Card;

        Assert.Equal("get_temperature", card.Name);
        Assert.Equal("Gets the current temperature of a city.", card.Description);
        using var schema = JsonDocument.Parse(card.InputSchema);
        var properties = schema.RootElement.GetProperty("properties");
        Assert.Equal("The city name", properties.GetProperty("city").GetProperty("description").GetString());
        Assert.True(properties.TryGetProperty("decimals", out _));
        Assert.Equal(["city"], schema.RootElement.GetProperty("required").EnumerateArray().Select(item => item.GetString()));
    }

    [Fact]
    public async Task Json_arguments_reach_the_function_and_a_string_result_is_the_output()
    {
        var tool = new AIFunctionTool(AIFunctionFactory.Create(GetTemperature));

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { city = "Oslo", decimals = 1 }));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("Oslo: 21.5 °C", result.Output);
    }

    [Fact]
    public async Task An_object_result_is_written_as_json()
    {
        var tool = new AIFunctionTool(AIFunctionFactory.Create(GetReport, "GetReport"));

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { city = "Oslo" }));

        using var output = JsonDocument.Parse(result.Output);
        Assert.Equal(21.5, output.RootElement.GetProperty("celsius").GetDouble());
        Assert.Equal("sunny", output.RootElement.GetProperty("conditions")[0].GetString());
    }

    [Theory]
    [InlineData("""{"decimals": 1}""", "invalid arguments for get_temperature: The arguments dictionary is missing a value for the required parameter 'city'")]
    [InlineData("""{"city": "Oslo", "decimals": "many"}""", "invalid arguments for get_temperature: The JSON value could not be converted to System.Int32")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    public async Task Arguments_the_function_rejects_are_a_failed_result(string arguments, string mention)
    {
        var tool = new AIFunctionTool(AIFunctionFactory.Create(GetTemperature));

        var result = await tool.InvokeAsync(JsonDocument.Parse(arguments).RootElement);

        Assert.False(result.Succeeded);
        Assert.Contains(mention, result.Error);
    }

    [Fact]
    public async Task A_failure_inside_the_function_is_reported_by_the_registry()
    {
        var tool = new AIFunctionTool(AIFunctionFactory.Create(new Func<string>(() => throw new IOException("sensor offline")), "ReadSensor"));
        var registry = new ToolRegistry([tool]);

        var result = await registry.InvokeAsync("read sensor", "{}");

        Assert.False(result.Succeeded);
        Assert.Equal("the tool 'read_sensor' failed: IOException: sensor offline", result.Error);
    }

    [Theory]
    [InlineData("GetWeather", "get_weather")]
    [InlineData("getHTTPStatus", "get_http_status")]
    [InlineData("get-weather now", "get_weather_now")]
    [InlineData("search2Web", "search2_web")]
    [InlineData("already_snake", "already_snake")]
    public void Function_names_become_snake_case(string name, string expected) =>
        Assert.Equal(expected, AIFunctionTool.ToSnakeCase(name));

    [Fact]
    public void A_given_card_replaces_the_derived_one()
    {
        var function = AIFunctionFactory.Create(GetTemperature);
        var card = AIFunctionTool.CreateCard(function) with { Limitations = ["Cities only."] };

        Assert.Equal(["Cities only."], new AIFunctionTool(function, card).Card.Limitations);
    }
}
