namespace AgentFlow.MLNet.Agent.Prompts;

/// <summary>
/// The wording of the built-in prompts. The output formats they ask for (the planner's four fields, the executor's
/// JSON call, the verifier's conclusion, the generator's answer tags) are what the parsers in
/// <c>Agent/Parsing</c> read; change both together.
/// </summary>
internal static class DefaultPrompts
{
    internal const string QueryAnalysis = """
        You are preparing to solve a question with the help of tools.

        Question: {question}

        Available tools:
        {tools}

        Analyse the question briefly:
        - Summary: what is being asked, in one or two sentences.
        - Required skills: the knowledge or abilities needed.
        - Relevant tools: which of the available tools could help, and how.
        - Considerations: traps, ambiguities, or facts to verify.
        """;

    internal const string Planner = """
        You are the planner of a team that solves questions step by step with tools. Choose the single most useful
        next step. This is step {turn} of at most {max_turns}.

        Question: {question}

        Analysis of the question:
        {query_analysis}

        Available tools:
        {tools}

        Steps taken so far:
        {memory}

        Decide the next step. Do not repeat a step that already succeeded; if a step failed, try another approach.
        Answer in exactly this format:
        Justification: <why this step and this tool, given what is known>
        Context: <every fact from the question and the steps so far that the tool needs>
        Sub-Goal: <what this step must achieve, concretely>
        Tool Name: <one of: {tool_names}>
        """;

    internal const string Executor = """
        You turn a planned step into one tool call.

        Question: {question}
        Sub-goal: {sub_goal}
        Context: {context}

        The tool to call:
        {tool_card}

        Steps taken so far:
        {memory}

        Write the call as one JSON object whose "arguments" follow the tool's input schema exactly:
        {{"tool": "{tool_name}", "arguments": {{...}}}}
        Output only the JSON object.
        """;

    internal const string Verifier = """
        You check whether the steps so far are enough to answer the question. This was step {turn} of at most {max_turns}.

        Question: {question}

        Analysis of the question:
        {query_analysis}

        Steps taken so far:
        {memory}

        Is the information complete, consistent and sufficient to answer the question with confidence? Point out any
        missing fact, failed step or contradiction. Then end with exactly one line:
        Conclusion: STOP   (if the question can be answered now)
        Conclusion: CONTINUE   (if another step is needed)
        """;

    internal const string Generator = """
        Answer the question using the steps taken and their results.

        Question: {question}

        Steps taken:
        {memory}

        Reason briefly from the results, then give the final answer, as short as possible (a name, a number, an
        expression), inside <answer></answer> tags. Write nothing after the closing tag.
        """;
}
