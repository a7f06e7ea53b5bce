"""NWEA MAP Growth export layouts: the column names of the Combined Data File, and a writer
of that layout for the demo and tests.

The names are the export's header names (facts, not expression; the list was written for this
project and is in the public domain, see tests/fixtures/nwea-map/SOURCE.txt). Readers find
columns by name, never by position: newer exports add columns (class, teacher) and may
reorder them.
"""

import csv
from collections.abc import Iterable, Mapping
from typing import IO

# The Combined Data File (ComboStudentAssessment.csv), in the export's order.
COMBINED_DATA_FILE_COLUMNS = (
    "TermName",
    "DistrictName",
    "District_StateID",
    "SchoolName",
    "School_StateID",
    "StudentLastName",
    "StudentFirstName",
    "StudentMI",
    "StudentID",
    "Student_StateID",
    "StudentDateOfBirth",
    "StudentEthnicGroup",
    "NWEAStandard_EthnicGroup",
    "StudentGender",
    "Grade",
    "NWEAStandard_Grade",
    "Subject",
    "Course",
    "NormsReferenceData",
    "WISelectedAYFall",
    "WISelectedAYWinter",
    "WISelectedAYSpring",
    "WIPreviousAYFall",
    "WIPreviousAYWinter",
    "WIPreviousAYSpring",
    "TestType",
    "TestName",
    "TestStartDate",
    "TestStartTime",
    "TestDurationMinutes",
    "TestRITScore",
    "TestStandardError",
    "TestPercentile",
    "AchievementQuintile",
    "PercentCorrect",
    "RapidGuessingPercentage",
    "FallToFallProjectedGrowth",
    "FallToFallObservedGrowth",
    "FallToFallObservedGrowthSE",
    "FallToFallMetProjectedGrowth",
    "FallToFallConditionalGrowthIndex",
    "FallToFallConditionalGrowthPercentile",
    "FallToFallGrowthQuintile",
    "FallToWinterProjectedGrowth",
    "FallToWinterObservedGrowth",
    "FallToWinterObservedGrowthSE",
    "FallToWinterMetProjectedGrowth",
    "FallToWinterConditionalGrowthIndex",
    "FallToWinterConditionalGrowthPercentile",
    "FallToWinterGrowthQuintile",
    "FallToSpringProjectedGrowth",
    "FallToSpringObservedGrowth",
    "FallToSpringObservedGrowthSE",
    "FallToSpringMetProjectedGrowth",
    "FallToSpringConditionalGrowthIndex",
    "FallToSpringConditionalGrowthPercentile",
    "FallToSpringGrowthQuintile",
    "WinterToWinterProjectedGrowth",
    "WinterToWinterObservedGrowth",
    "WinterToWinterObservedGrowthSE",
    "WinterToWinterMetProjectedGrowth",
    "WinterToWinterConditionalGrowthIndex",
    "WinterToWinterConditionalGrowthPercentile",
    "WinterToWinterGrowthQuintile",
    "WinterToSpringProjectedGrowth",
    "WinterToSpringObservedGrowth",
    "WinterToSpringObservedGrowthSE",
    "WinterToSpringMetProjectedGrowth",
    "WinterToSpringConditionalGrowthIndex",
    "WinterToSpringConditionalGrowthPercentile",
    "WinterToSpringGrowthQuintile",
    "SpringToSpringProjectedGrowth",
    "SpringToSpringObservedGrowth",
    "SpringToSpringObservedGrowthSE",
    "SpringToSpringMetProjectedGrowth",
    "SpringToSpringConditionalGrowthIndex",
    "SpringToSpringConditionalGrowthPercentile",
    "SpringToSpringGrowthQuintile",
    "LexileScore",
    "LexileMin",
    "LexileMax",
    "QuantileScore",
    "QuantileMin",
    "QuantileMax",
    "Goal1Name",
    "Goal1RitScore",
    "Goal1StdErr",
    "Goal1Range",
    "Goal1Adjective",
    "Goal2Name",
    "Goal2RitScore",
    "Goal2StdErr",
    "Goal2Range",
    "Goal2Adjective",
    "Goal3Name",
    "Goal3RitScore",
    "Goal3StdErr",
    "Goal3Range",
    "Goal3Adjective",
    "Goal4Name",
    "Goal4RitScore",
    "Goal4StdErr",
    "Goal4Range",
    "Goal4Adjective",
    "Goal5Name",
    "Goal5RitScore",
    "Goal5StdErr",
    "Goal5Range",
    "Goal5Adjective",
    "Goal6Name",
    "Goal6RitScore",
    "Goal6StdErr",
    "Goal6Range",
    "Goal6Adjective",
    "Goal7Name",
    "Goal7RitScore",
    "Goal7StdErr",
    "Goal7Range",
    "Goal7Adjective",
    "Goal8Name",
    "Goal8RitScore",
    "Goal8StdErr",
    "Goal8Range",
    "Goal8Adjective",
    "AccommodationCategories",
    "Accommodations",
    "TypicalFallToFallGrowth",
    "TypicalFallToWinterGrowth",
    "TypicalFallToSpringGrowth",
    "TypicalWintertoWinterGrowth",
    "TypicalWintertoSpringGrowth",
    "TypicalSpringToSpringGrowth",
    "ProjectedProficiencyStudy1",
    "ProjectedProficiencyLevel1",
    "ProjectedProficiencyStudy2",
    "ProjectedProficiencyLevel2",
    "ProjectedProficiencyStudy3",
    "ProjectedProficiencyLevel3",
    "ProjectedProficiencyStudy4",
    "ProjectedProficiencyLevel4",
    "ProjectedProficiencyStudy5",
    "ProjectedProficiencyLevel5",
    "ProjectedProficiencyStudy6",
    "ProjectedProficiencyLevel6",
    "ProjectedProficiencyStudy7",
    "ProjectedProficiencyLevel7",
    "ProjectedProficiencyStudy8",
    "ProjectedProficiencyLevel8",
    "ProjectedProficiencyStudy9",
    "ProjectedProficiencyLevel9",
    "ProjectedProficiencyStudy10",
    "ProjectedProficiencyLevel10",
)

TERM_PAIRS = (
    "FallToFall",
    "FallToWinter",
    "FallToSpring",
    "WinterToWinter",
    "WinterToSpring",
    "SpringToSpring",
)


def write_combined_data_file(rows: Iterable[Mapping[str, object]], out: IO[str]) -> int:
    """Write `rows` (each a mapping of Combined Data File header name -> value) as a Combined
    Data File to the text stream `out` (open it with newline=""), in the export's column order;
    columns a row leaves out are empty, None is empty. Answers the number of rows written.

    A key that is not a column of the layout is refused (ValueError), so a typo cannot
    silently drop a field. Dates are written as the export writes them (MM/DD/YYYY) when
    given as `date` objects; numbers and text as given.
    """
    known = set(COMBINED_DATA_FILE_COLUMNS)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COMBINED_DATA_FILE_COLUMNS)
    count = 0
    for row in rows:
        unknown = sorted(set(row) - known)
        if unknown:
            raise ValueError(f"not Combined Data File columns: {', '.join(unknown)}")
        writer.writerow([_cell(row.get(name)) for name in COMBINED_DATA_FILE_COLUMNS])
        count += 1
    return count


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and not hasattr(value, "hour"):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
