from flask import render_template

from survey.designer import bp


@bp.route("/")
def index():
    return render_template("designer/index.html")
