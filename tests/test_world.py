"""The example world (tests/world.py) is what its picture says, so tests may rely on it."""

from rostering import access


def test_each_partner_app_sees_its_own_students_and_not_the_other_apps(world):
    math, science = world.math.app, world.science.app
    assert set(access.students_visible_to_app(math)) == {world.ada, world.ben}
    assert set(access.students_visible_to_app(science)) == {world.cleo}


def test_the_guide_sees_the_students_of_the_class_they_guide_and_the_guardian_sees_her_child(world):
    guided = set(access.students_visible_to_user(world.rivera))
    assert {world.ada, world.ben} <= guided and world.cleo not in guided
    guarded = set(access.students_visible_to_user(world.guardian))
    assert world.ada in guarded and not {world.ben, world.cleo} & guarded


def test_each_partner_apps_token_reaches_the_api_as_that_app(world):
    response = world.math.api.get("/ims/oneroster/rostering/v1p2/courses/course-1")
    assert response.status_code == 200, response.content
    assert response.json()["course"]["title"] == "Fractions"
    assert (
        world.science.api.get("/ims/oneroster/rostering/v1p2/courses/course-1").status_code == 404
    )
