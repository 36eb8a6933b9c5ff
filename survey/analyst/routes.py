from flask import render_template

from survey.analyst import bp


@bp.route("/")
def index():
    return render_template("analyst/index.html")
